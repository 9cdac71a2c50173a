"""The agency workspace: settings, app factory, accounts, storage, mail, worker, CLI."""
