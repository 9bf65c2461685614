FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
# Cairo: the PRISMA diagram's PNG and PDF downloads (cairosvg). Fonts for every script a
# source or study label can hold in those files and the appraisal figures (lib.fonts):
# DejaVu Sans first, Noto CJK (Chinese, Japanese, Korean) and Noto core (the other scripts).
RUN apt-get update && apt-get install -y --no-install-recommends libcairo2 \
    fonts-dejavu-core fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY config config
COPY reviews reviews
COPY screening screening
COPY appraisal appraisal
COPY reporting reporting
COPY lib lib
COPY demo demo
RUN pip install --no-cache-dir ".[s3]"
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --create-home sift && mkdir -p /data && chown sift /data
USER sift
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "600"]
