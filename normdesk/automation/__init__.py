"""Unattended work: cron schedules and watched folders that submit ordinary jobs. No Qt here.

    from normdesk.automation.runner import Automation
    automation = Automation(queue)        # in the process that owns the data folder
    automation.tick()                     # call often: runs due schedules, looks at watched folders
    automation.close()

``schedules`` (Scheduler, Schedule), ``watches`` (Watches, Watch, FolderRunner), ``cron`` (croniter
and cron-descriptor), ``store`` (the diskcache store under ``<data folder>/automation``),
``os_service`` (start ``normdesk worker`` at login: systemd, launchd, Windows).
"""
