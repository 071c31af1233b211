"""Who answers for the assets, shown in the Dagster UI (one place for every asset)."""

OWNERS = ["team:sms-analytics"]
