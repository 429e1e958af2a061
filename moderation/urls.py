from django.urls import path

from moderation import views

app_name = "moderation"
urlpatterns = [
    path("<str:token>/", views.moderate_by_link, name="link"),
]
