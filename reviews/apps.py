import logging
import sys

from django.apps import AppConfig

log = logging.getLogger("sift")


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews, sources and imports"

    def ready(self) -> None:
        from django.conf import settings

        # Say once, where people look (the server's and the worker's first lines), which
        # database and broker this process uses: embedded SQLite/filesystem or PostgreSQL/Redis.
        argv = " ".join(sys.argv)
        if "runserver" in argv or "celery" in argv or "gunicorn" in argv:
            db = settings.DATABASES["default"]
            database = (
                f"SQLite ({db['NAME']})"
                if db["ENGINE"].endswith("sqlite3")
                else f"PostgreSQL ({db.get('HOST') or 'local socket'}/{db['NAME']})"
            )
            broker = (
                "Redis"
                if settings.REDIS_URL
                else "a filesystem transport in var/broker (embedded mode, no Redis)"
            )
            log.info("Sift: database %s; background jobs: Celery over %s", database, broker)
