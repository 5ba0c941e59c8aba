//! The fields a template sees for one partnership.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use crate::config::Config;
use crate::intake::{DataShared, Decision, Money, Partnership, ProgramScope, Source};
use crate::level::Level;
use crate::rubric::{self, Assessment};

/// A money amount as a number of dollars: whole amounts as integers.
fn money(amount: Money) -> Value {
    if amount.0.is_multiple_of(100) {
        json!(amount.0 / 100)
    } else {
        json!(amount.dollars())
    }
}

/// A number, written without a decimal point when it is whole.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        json!(value as i64)
    } else {
        json!(value)
    }
}

fn date(date: Option<NaiveDate>) -> Value {
    date.map_or(Value::Null, |date| Value::String(date.to_string()))
}

/// Every field a template can use for one partnership: the intake fields, what the rubric
/// gave, the district's facts and the run date.
pub fn template_data(
    partnership: &Partnership,
    assessment: &Assessment,
    config: &Config,
    as_of: NaiveDate,
) -> Value {
    let p = partnership;
    let num_schools = if p.district_wide {
        config.district.school_count as usize
    } else {
        p.schools.len()
    };
    let mut fields = json!({
        "partnership_id": p.partnership_id,
        "program_name": p.program_name,
        "partner_name": p.partner_name,
        "partner_type": p.partner_type,
        "partner_contact": p.partner_contact,
        "partner_email": p.partner_email,
        "partner_phone": p.partner_phone,
        "partner_address": p.partner_address,
        "district_lead": p.district_lead,
        "schools": p.schools,
        "district_wide": p.district_wide,
        "program_description": p.program_description,
        "district_priorities": p.district_priorities,
        "program_scope": p.program_scope.as_str(),
        "start_date": date(Some(p.start_date)),
        "end_date": date(Some(p.end_date)),
        "students_served": p.students_served,
        "contact_hours_per_week": number(p.contact_hours_per_week),
        "district_funds": money(p.district_funds),
        "partner_funds": money(p.partner_funds),
        "in_kind_value": money(p.in_kind_value),
        "data_shared": p.data_shared.as_str(),
        "board_meeting": date(p.board_meeting),
        "intensity_override": p.intensity_override.map(Level::as_str),
        "extra": p.extra,
        "total_resources": money(p.total_resources()),
        "num_schools": num_schools,
        "duration_days": p.duration_days(),
        "decisions": decisions(p, assessment, config),
        "school_count": config.district.school_count,
        "as_of": as_of.to_string(),
    });
    if let Value::Object(map) = &mut fields {
        map.extend(district_fields(config));
        map.extend(assessment.template_fields());
    }
    fields
}

/// The district's facts, as every template (agreements and the Board's attachment)
/// sees them.
pub fn district_fields(config: &Config) -> Map<String, Value> {
    let district = &config.district;
    let fields = [
        ("district_name", &district.name),
        ("district_short_name", &district.short_name),
        ("district_address", &district.address),
        ("partnerships_office", &district.partnerships_office),
        ("partnerships_email", &district.partnerships_email),
        ("superintendent", &district.superintendent),
    ];
    fields.into_iter().map(|(name, value)| (name.to_string(), json!(value))).collect()
}

/// The partnership's Decisions rows, or the configured default matrix for its level.
fn decisions(partnership: &Partnership, assessment: &Assessment, config: &Config) -> Value {
    let row = |decision: &str, district: &str, partner: &str, notes: &str| {
        json!({"decision": decision, "district_role": district, "partner_role": partner,
               "notes": notes})
    };
    let rows: Vec<Value> = if partnership.decisions.is_empty() {
        let defaults = config.decision_matrix.for_level(assessment.intensity);
        defaults
            .iter()
            .map(|d| row(&d.decision, &d.district_role, &d.partner_role, &d.notes))
            .collect()
    } else {
        let rows = &partnership.decisions;
        rows.iter()
            .map(|d| row(&d.decision, &d.district_role, &d.partner_role, &d.notes))
            .collect()
    };
    Value::Array(rows)
}

/// Fields for a made-up partnership with every field and list filled, to check templates.
pub fn sample_data(config: &Config, as_of: NaiveDate) -> Value {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(as_of);
    let source =
        Source { file: "sample.xlsx".into(), sheet: "Partnerships".into(), row: 2 };
    let mut extra = std::collections::BTreeMap::new();
    extra.insert("Grant Code".to_string(), "G-1".to_string());
    let partnership = Partnership {
        partnership_id: "SAMPLE-1".into(),
        program_name: "Sample Program".into(),
        partner_name: "Sample Partner".into(),
        partner_type: Some("Nonprofit".into()),
        partner_contact: Some("Pat Doe".into()),
        partner_email: Some("pat@example.org".into()),
        partner_phone: Some("555-0100".into()),
        partner_address: Some("1 Main St\nRiverside".into()),
        district_lead: "Principal Lee".into(),
        schools: vec!["Lincoln Elementary".into()],
        district_wide: false,
        program_description: Some("A sample.".into()),
        district_priorities: vec!["Early literacy".into()],
        program_scope: ProgramScope::Supplemental,
        start_date: date(2027, 1, 15),
        end_date: date(2027, 6, 15),
        students_served: 10,
        contact_hours_per_week: 2.0,
        district_funds: Money(100),
        partner_funds: Money(100),
        in_kind_value: Money(100),
        data_shared: DataShared::StudentLevel,
        board_meeting: Some(date(2027, 2, 11)),
        intensity_override: Some(Level::High),
        override_reason: Some("Sample".into()),
        extra,
        decisions: vec![Decision {
            decision: "Program design".into(),
            district_role: "D".into(),
            partner_role: "C".into(),
            notes: "Sample".into(),
            source: source.clone(),
        }],
        source,
    };
    let assessment = rubric::assess(&partnership, config);
    template_data(&partnership, &assessment, config, as_of)
}

/// The names of every field templates can use, sorted.
pub fn field_names(config: &Config) -> Vec<String> {
    top_level_names(&sample_data(config, NaiveDate::default()))
}

/// The names of a template's top-level fields, sorted.
pub fn top_level_names(fields: &Value) -> Vec<String> {
    let mut names: Vec<String> = match fields {
        Value::Object(map) => map.keys().cloned().collect(),
        _ => Vec::new(),
    };
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_has_every_documented_field() {
        let config = Config::defaults().unwrap();
        let names = field_names(&config);
        for field in crate::intake::Field::ALL {
            assert!(names.iter().any(|n| n == field.name()), "{}", field.name());
        }
        for derived in [
            "total_resources",
            "num_schools",
            "duration_days",
            "intensity",
            "intensity_label",
            "computed_intensity",
            "override_reason",
            "points",
            "rubric",
            "developed_by",
            "moa_required",
            "board_notification",
            "board_approval",
            "contract_review",
            "data_agreement",
            "review_date",
            "decisions",
            "district_name",
            "as_of",
            "extra",
        ] {
            assert!(names.iter().any(|n| n == derived), "{derived}");
        }
    }

    #[test]
    fn money_is_a_number_and_lists_stay_lists() {
        let config = Config::defaults().unwrap();
        let sample = sample_data(&config, NaiveDate::default());
        assert_eq!(sample["district_funds"], json!(1));
        assert_eq!(sample["schools"], json!(["Lincoln Elementary"]));
        assert_eq!(sample["start_date"], json!("2027-01-15"));
        assert!(sample["rubric"].as_array().is_some_and(|r| !r.is_empty()));
    }
}
