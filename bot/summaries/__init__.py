"""HR summaries: computed once per cohort and period, filtered by bot.privacy, stored, then posted or exported.

A summary is computed from the cohort's stored answers the first time anyone needs it for a period (a scheduled
post, `/mentori summary`, `/mentori export`). The figures HR may see, with the member ids behind each (never shown),
are stored in one SummaryPost row per organisation; asking again reads them back, so nothing is counted twice and
the next period's check over time (``shown_before``) knows exactly what HR has already seen.

- ``model``: the summary and its figures;
- ``periods``: which summary period has come and which steps it covers;
- ``compute``: counting and filtering one period;
- ``store``: storing a period once and reading it back;
- ``posting``: posting to the HR channels;
- ``export``: the CSV export.
"""
