"""Slack surfaces more than one listener (or a worker) refreshes: the App Home, a prompt DM after a click, the
answer to a `/mentori` command. They call the domain in `bot/`, render with `bot/blocks/` and talk to Slack;
listeners in `handlers/` use them instead of each other."""
