"""`tinykit report`: one self-contained HTML page from profile JSON files.

    profiles = load_profiles([Path("kws_m7.json"), Path("kws_m4.json")])
    write_report(profiles, Path("report"))   # -> report/index.html
"""

from tinykit.profile.report.load import PROFILE_SCHEMA, load_profiles
from tinykit.profile.report.page import render_page, write_report

__all__ = ["PROFILE_SCHEMA", "load_profiles", "render_page", "write_report"]
