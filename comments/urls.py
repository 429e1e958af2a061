from django.urls import path

from comments import feeds, views

app_name = "comments"
urlpatterns = [
    path("post/<int:post_id>/", views.comment_post, name="post"),
    path("<int:comment_id>/", views.comment_permalink, name="permalink"),
    path("moderate/<str:token>/", views.moderate_by_link, name="moderate-link"),
    path("feeds/rss/", feeds.LatestCommentsFeed(), name="feed-rss"),
    path("feeds/atom/", feeds.LatestCommentsAtomFeed(), name="feed-atom"),
    path("feeds/post/<int:post_id>/rss/", feeds.PostCommentsFeed(), name="post-feed-rss"),
    path("feeds/post/<int:post_id>/atom/", feeds.PostCommentsAtomFeed(), name="post-feed-atom"),
]
