from django.urls import path
from django.views.generic import RedirectView

from comments import feeds, views

app_name = "comments"
urlpatterns = [
    path("post/<int:post_id>/", views.comment_post, name="post"),
    path("<int:comment_id>/", views.comment_permalink, name="permalink"),
    path("<int:comment_id>/reply/", views.comment_reply, name="reply"),
    # Links in moderation emails sent before moderation had its own address.
    path(
        "moderate/<str:token>/",
        RedirectView.as_view(pattern_name="moderation:link", permanent=True),
        name="moderate-link",
    ),
    path("feeds/rss/", feeds.LatestCommentsFeed(), name="feed-rss"),
    path("feeds/atom/", feeds.LatestCommentsAtomFeed(), name="feed-atom"),
    path("feeds/post/<int:post_id>/rss/", feeds.PostCommentsFeed(), name="post-feed-rss"),
    path("feeds/post/<int:post_id>/atom/", feeds.PostCommentsAtomFeed(), name="post-feed-atom"),
]
