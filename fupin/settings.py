"""Django settings: one file, every value from fupin.conf (environment variables with defaults)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from fupin.conf import BASE_DIR, setting

DATA_DIR = Path(setting("FUPIN_DATA_DIR"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = setting("FUPIN_SECRET_KEY")
DEBUG = setting("FUPIN_DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in setting("FUPIN_ALLOWED_HOSTS").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "fupin.regions",
    "fupin.registry",
    "fupin.assessments",
    "fupin.accounts",
    "fupin.assistance",
    "fupin.exits",
    "fupin.monitoring",
    "fupin.cooperation",
    "fupin.api",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
]

MIDDLEWARE = [
    "fupin.csp.ContentSecurityPolicyMiddleware",  # first: static files and error pages get it too
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fupin.accounts.scoping.RequestScopeMiddleware",  # roles and scope read once per request
    "fupin.accounts.first_login.FirstLoginMiddleware",  # a one-time password is changed first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "fupin.urls"
WSGI_APPLICATION = "fupin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fupin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": dj_database_url.parse(setting("DATABASE_URL"), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes; the timeout waits for a writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so that tests can run `fupin` commands in a subprocess against it;
    # one per test process, so that concurrent runs do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One backend, behind the failed-login lock: the pages, the admin and the API token all use it.
AUTHENTICATION_BACKENDS = ["fupin.accounts.backends.ThrottledModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fupin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "fupin" / "static"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = setting("FUPIN_SECURE_COOKIES") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Every response gets this policy (fupin/csp.py) unless a view set a stricter one: scripts only
# from this server (ECharts is self-hosted under static/vendor), no inline script; style
# attributes are allowed because ECharts writes them into its tooltips.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "style-src-attr": ["'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],  # blob: the field survey's photo thumbnails
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Hours an API token is valid (fupin.api.tokens).
FUPIN_API_TOKEN_HOURS = float(setting("FUPIN_API_TOKEN_HOURS"))

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# The REST API (fupin/api): token or session, authenticated by default, JSON only (the browsable
# API only with FUPIN_DEBUG=1). TokenAuthentication comes first so that an anonymous request gets
# 401 with `WWW-Authenticate: Token`, not 403.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fupin.api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "fupin.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "fupin.api.errors.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "精准扶贫与考核评估平台 API",
    "DESCRIPTION": (
        "建档立卡户、区划、考核评估任务、县级指标结果、疑点问题核实与入户调查问卷提交的接口。"
        "每个接口只返回当前用户有权查看的数据（与页面相同的范围）；身份证号一律脱敏。"
        "认证：先以用户名和密码调用 POST /api/token/ 取得令牌，"
        "之后在请求头中加 `Authorization: Token <令牌>`。令牌有效期为 FUPIN_API_TOKEN_HOURS 小时"
        "（默认 12 小时，应答中的 expires 为失效时间），过期后答 401，须重新取得；"
        "修改密码或账号停用时令牌立即作废。连续 5 次密码错误（页面、管理后台、令牌接口合计）"
        "将暂时锁定该用户名在该地址的登录；15 分钟内各地址合计 20 次错误则在所有地址锁定（429）。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # Several models have a `kind` or `status` field with different choices: name each set.
    "ENUM_NAME_OVERRIDES": {
        "CampaignKindEnum": "fupin.assessments.workflows.CampaignKind",
        "CampaignStatusEnum": "fupin.assessments.workflows.CampaignStatus",
        "ProblemKindEnum": "fupin.assessments.workflows.ProblemKind",
        "EvaluatorKindEnum": "fupin.assessments.services.roster.KIND_CHOICES",
        "ProblemStatusEnum": "fupin.assessments.workflows.ProblemStatus",
        "StepEnum": "fupin.assessments.workflows.Step",
        "VerdictEnum": "fupin.assessments.models.results.Verdict",
        "HouseholdStatusEnum": "fupin.registry.models.Status",
        "StatusEventKindEnum": "fupin.registry.models.EventKind",
        "MeasureKindEnum": "fupin.assistance.models.MeasureKind",
        "MonitoringObjectKindEnum": "fupin.monitoring.workflows.ObjectKind",
        "MonitoringObjectSourceEnum": "fupin.monitoring.workflows.ObjectSource",
        "MonitoringStatusEnum": "fupin.monitoring.workflows.MonitoringStatus",
        "MonitoringReportSourceEnum": "fupin.monitoring.workflows.ReportSource",
        "ExitKindEnum": "fupin.exits.workflows.ExitKind",
        "ExitStatusEnum": "fupin.exits.workflows.ExitStatus",
        "CooperationSideEnum": "fupin.cooperation.workflows.Side",
        "PairingLevelEnum": "fupin.cooperation.models.PairingLevel",
        "RegionLevelEnum": "fupin.regions.models.Level",
        "LedgerEntryStatusEnum": "fupin.cooperation.workflows.EntryStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"fupin": {"handlers": ["console"], "level": setting("FUPIN_LOG_LEVEL")}},
}
