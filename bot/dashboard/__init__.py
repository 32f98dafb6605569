"""The web dashboard under /dashboard: Sign in with Slack, a cohort's status for its coaches, summaries for HR.

- ``mount``: the WSGI entry that loads the rest on the first request (idle processes stay small);
- ``app``: the pages, the session cookie and CSRF protection;
- ``signin``: Sign in with Slack (OpenID Connect) and which workspace a person may see;
- ``data``: the only way to programme data, asked with an audience;
- ``charts``: bar charts drawn as inline SVG.
"""
