"""A tiny separate Django project: an OpenID Connect provider (django-oauth-toolkit) that
the single sign-on integration test starts as its own process, standing in for a
university's identity provider."""
