"""The 24 scoring calculators of the issue (the formula calculators live in formulas_*)."""

SCORE_IDS: tuple[str, ...] = (
    "news2", "qsofa", "shock_index", "curb65", "cha2ds2_vasc", "heart", "wells_pe", "wells_dvt",
    "perc", "centor_mcisaac", "feverpain", "sirs", "gcs", "child_pugh", "meld_na", "has_bled",
    "rcri", "charlson", "caprini", "glasgow_blatchford", "psi", "sofa", "apache2",
    "framingham_chd",
)  # fmt: skip
