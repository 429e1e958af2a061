app_name = "trackbacks"
urlpatterns: list = []
