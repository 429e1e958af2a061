from django.urls import path

from fediverse import avatars, views

app_name = "fediverse"
urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/nodeinfo", views.nodeinfo_links, name="nodeinfo-links"),
    path("nodeinfo/2.1", views.nodeinfo, name="nodeinfo"),
    path("fediverse/actor", views.actor, name="actor"),
    path("fediverse/inbox", views.inbox, name="inbox"),
    path("fediverse/shared-inbox", views.inbox, name="shared-inbox"),
    path("fediverse/outbox", views.outbox, name="outbox"),
    path("fediverse/followers", views.followers, name="followers"),
    path("fediverse/posts/<int:post_id>/replies", views.replies, name="replies"),
    path("fediverse/avatars/<slug:digest>.png", avatars.serve, name="avatar"),
]
