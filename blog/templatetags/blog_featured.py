"""The featured image of a post, for the link preview tags of its page (`blog.featured`)."""

from django import template

from blog import featured

register = template.Library()


@register.simple_tag
def featured_image(post) -> featured.FeaturedImage | None:
    """`{% featured_image post as image %}`: the picture standing for `post`, or None."""
    return featured.featured_image(post)
