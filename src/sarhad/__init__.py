"""sarhad: a dated, sourced, testable model of the Pakistan - TTP - Afghan Taliban conflict system.

The public API follows the data flow of DESIGN.md section 3::

    kb (scenario)  ->  ingest/store  ->  panels  ->  dynamics  ->  forecast / simulate  ->  report
                                    bargain  --------------------------^

Each stage reads the one before through a small typed interface.
"""

from sarhad.errors import SarhadError

__version__ = "0.1.0"
__all__ = ["SarhadError", "__version__"]
