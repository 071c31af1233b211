"""Delivery: what analysts and managers get out of the warehouse.

- ``exports``: every ``mart_*`` as CSV / Parquet / one XLSX + ``manifest.json``, published
  as a whole directory (``atomic_publish``); cell rules in ``cell_values``.
- ``report``: one self-contained HTML report (``report_template.html``, charts from
  ``charts``, every query in ``report_queries``) plus PNG copies.
- ``assets``: the Dagster assets ``exports`` and ``migration_report``.
- ``cli``: the ``sms-analytics`` command.

All of them read the warehouse read-only through ``warehouse_access``.
"""
