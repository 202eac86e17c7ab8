"""Linking forge accounts to signed-in people by OAuth (allauth connect flow), and the page that lists them."""
