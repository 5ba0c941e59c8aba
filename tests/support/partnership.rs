//! A partnership to build test cases from.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use partnerdocs::intake::{DataShared, Money, Partnership, ProgramScope, Source};

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// A partnership rated low on every criterion of the default rubric.
pub fn partnership() -> Partnership {
    Partnership {
        partnership_id: "P-001".into(),
        program_name: "Saturday Science Fair".into(),
        partner_name: "Riverside Science Museum".into(),
        partner_type: None,
        partner_contact: None,
        partner_email: None,
        partner_phone: None,
        partner_address: None,
        district_lead: "Marcus Lee".into(),
        schools: vec!["Lincoln Elementary".into()],
        district_wide: false,
        program_description: None,
        district_priorities: Vec::new(),
        program_scope: ProgramScope::Event,
        start_date: date(2026, 9, 1),
        end_date: date(2026, 11, 30),
        students_served: 120,
        contact_hours_per_week: 1.0,
        district_funds: Money(0),
        partner_funds: Money(0),
        in_kind_value: Money(0),
        data_shared: DataShared::None,
        board_meeting: None,
        intensity_override: None,
        override_reason: None,
        extra: BTreeMap::new(),
        decisions: Vec::new(),
        source: Source {
            file: "requests.xlsx".into(),
            sheet: "Partnerships".into(),
            row: 2,
        },
    }
}
