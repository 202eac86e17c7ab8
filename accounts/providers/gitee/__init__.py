"""Gitee OAuth2 provider for django-allauth (which ships none); modelled on allauth's Gitea provider."""
