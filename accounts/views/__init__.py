"""HTTP translation for invitations, a person's settings and the site administrator's
pages. Function views only: access -> form -> service/selector -> render."""
