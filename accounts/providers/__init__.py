"""OAuth2 providers for linking forge accounts: allauth's GitHub made request-time, and our own Gitee."""
