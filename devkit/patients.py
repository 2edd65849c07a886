"""Patients written from the trial records, shared by the tests."""

from __future__ import annotations

from typing import Any

A = "NCT06114173"  # cardunilizumab, soft tissue sarcoma, not recruiting
B = "NCT06114225"  # PROMIS, osteosarcoma with lung metastases, recruiting

#: Answers to every exclusion question that rule nobody out.
NO_EXCLUSIONS: dict[str, Any] = {
    "brain_metastases": False,
    "other_cancer_5y": False,
    "current_cancer_treatment": False,
    "in_other_trial": False,
    "recent_immunomodulator_or_tcm": False,
    "autoimmune_disease": False,
    "recent_steroids_or_immunosuppressants": False,
    "organ_transplant": False,
    "antibody_allergy": False,
    "hiv": False,
    "viral_hepatitis": False,
    "active_tb": False,
    "tb_being_checked": False,
    "pneumonitis_history": False,
    "recent_serious_infection": False,
    "recent_major_surgery": False,
    "heart_condition": False,
    "mental_illness_or_substance_use": False,
    "recent_live_vaccine": False,
    "planned_live_vaccine": False,
    "pregnant_or_breastfeeding": False,
}

#: A 52-year-old with metastatic leiomyosarcoma after doxorubicin: a possible match for A.
PATIENT_A: dict[str, Any] = {
    "diagnosis": "leiomyosarcoma",
    "age": 52,
    "metastatic": True,
    "prior_anthracycline": True,
    "prior_checkpoint_inhibitor": False,
    "ecog": 1,
    **NO_EXCLUSIONS,
}

#: A 14-year-old with osteosarcoma spread to removable lung spots after MAP chemotherapy:
#: a possible match for B.
PATIENT_B: dict[str, Any] = {
    "diagnosis": "osteosarcoma",
    "age": 14,
    "lung_metastases": True,
    "lung_nodules_resectable": "removable",
    "local_recurrence": "no",
    "prior_systemic_therapy": True,
    "prior_gemcitabine": False,
    "prior_checkpoint_inhibitor": False,
    "lansky": 80,
    **NO_EXCLUSIONS,
}
