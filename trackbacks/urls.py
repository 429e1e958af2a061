from django.urls import path

from trackbacks import views

app_name = "trackbacks"
urlpatterns = [
    path("<int:post_id>/", views.trackback, name="ping"),
    path("xmlrpc/", views.xmlrpc, name="xmlrpc"),
    path("webmention/", views.webmention, name="webmention"),
]
