"""gbi-shared: the frame every GBI process stands in.

Public surface: the app factory, the settings base, the error tree (see ``gbi_shared.errors``), the request
context, telemetry and logging set-up, and the typed gateway client. Contracts that cross service boundaries live
in ``gbi_shared.contracts``.
"""

from gbi_shared.app import PROBLEM_RESPONSES, ReadinessCheck, client_credentials_check, create_app, problem_response
from gbi_shared.clients import GatewayClient, TokenProvider
from gbi_shared.context import (
    CONTEXT_HEADER,
    ActorType,
    ContextSigner,
    ContextVerifier,
    RequestContext,
    current_context,
    require_roles,
)
from gbi_shared.errors import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidParam,
    NotFoundError,
    Problem,
    ServiceError,
    ServiceUnavailableError,
    UnauthorizedError,
    UnprocessableError,
)
from gbi_shared.settings import Environment, ServiceSettings, load_settings

__all__ = [
    "CONTEXT_HEADER",
    "PROBLEM_RESPONSES",
    "ActorType",
    "BadRequestError",
    "ConflictError",
    "ContextSigner",
    "ContextVerifier",
    "Environment",
    "ForbiddenError",
    "GatewayClient",
    "InvalidParam",
    "NotFoundError",
    "Problem",
    "ReadinessCheck",
    "RequestContext",
    "ServiceError",
    "ServiceSettings",
    "ServiceUnavailableError",
    "TokenProvider",
    "UnauthorizedError",
    "UnprocessableError",
    "client_credentials_check",
    "create_app",
    "current_context",
    "load_settings",
    "problem_response",
    "require_roles",
]
