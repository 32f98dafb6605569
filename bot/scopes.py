"""The bot scopes Mentori needs: the same list as manifest.yml (a test keeps them equal)."""

BOT_SCOPES: frozenset[str] = frozenset(
    {
        "commands",
        "chat:write",
        "im:write",
        "im:history",
        "mpim:write",
        "mpim:history",
        "users:read",
        "users:read.email",
        "channels:read",
        "groups:read",
        "groups:history",
        "files:write",
        "files:read",
        "reactions:write",
    }
)
