//! The fields the Board agenda attachment template sees for one meeting.

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::board::schedule::{Meeting, Section};
use crate::config::Config;
use crate::docx::{district_fields, sample_data, template_data, top_level_names};
use crate::intake::Partnership;
use crate::rubric::Assessment;

/// Every field the attachment can use: the meeting date, the district's facts, and each
/// section's items with every field a partnership's MOA can use, plus `item_number`
/// (`A-1`, `I-2`: the section's letter and the item's place in it).
pub fn agenda_data(
    date: NaiveDate,
    meeting: &Meeting,
    rows: &[(&Partnership, &Assessment)],
    config: &Config,
    as_of: NaiveDate,
) -> Value {
    let items = |section: Section, list: &[usize]| -> Vec<Value> {
        list.iter()
            .enumerate()
            .filter_map(|(place, &row)| {
                let (partnership, assessment) = rows.get(row)?;
                let data = template_data(partnership, assessment, config, as_of);
                Some(with_number(data, section, place + 1))
            })
            .collect()
    };
    meeting_data(
        date,
        items(Section::Approval, &meeting.approval),
        items(Section::Information, &meeting.information),
        config,
        as_of,
    )
}

/// Fields for a made-up meeting with one item in each section, to check the template.
pub fn sample_agenda_data(config: &Config, as_of: NaiveDate) -> Value {
    let item = sample_data(config, as_of);
    let approval = vec![with_number(item.clone(), Section::Approval, 1)];
    let information = vec![with_number(item, Section::Information, 1)];
    let date = NaiveDate::from_ymd_opt(2027, 1, 14).unwrap_or(as_of);
    meeting_data(date, approval, information, config, as_of)
}

/// The item's fields with its number on the agenda added.
fn with_number(mut item: Value, section: Section, place: usize) -> Value {
    let letter = match section {
        Section::Approval => "A",
        Section::Information => "I",
    };
    if let Value::Object(map) = &mut item {
        map.insert("item_number".into(), json!(format!("{letter}-{place}")));
    }
    item
}

fn meeting_data(
    date: NaiveDate,
    approval: Vec<Value>,
    information: Vec<Value>,
    config: &Config,
    as_of: NaiveDate,
) -> Value {
    let mut fields = district_fields(config);
    let mut put = |key: &str, value: Value| {
        fields.insert(key.to_string(), value);
    };
    put("meeting_date", json!(date.to_string()));
    put("approval_count", json!(approval.len()));
    put("information_count", json!(information.len()));
    put("item_count", json!(approval.len() + information.len()));
    put("approval", Value::Array(approval));
    put("information", Value::Array(information));
    put("as_of", json!(as_of.to_string()));
    Value::Object(fields)
}

/// The names of every field the attachment can use at its top level, sorted.
pub fn agenda_field_names(config: &Config) -> Vec<String> {
    top_level_names(&sample_agenda_data(config, NaiveDate::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::Level;
    use crate::rubric::testing::{date, partnership};

    #[test]
    fn each_section_lists_its_items_numbered_with_their_facts() {
        let config = Config::defaults().unwrap();
        let high = Partnership {
            intensity_override: Some(Level::High),
            override_reason: Some("Board asked".into()),
            ..partnership()
        };
        let medium = Partnership {
            partnership_id: "M-1".into(),
            intensity_override: Some(Level::Medium),
            override_reason: Some("test".into()),
            ..partnership()
        };
        let all = [high, medium];
        let assessed = crate::rubric::assess_all(&all, &config);
        let rows: Vec<_> = all.iter().zip(&assessed).collect();
        let meeting = Meeting { approval: vec![0], information: vec![1] };
        let as_of = date(2026, 12, 3);
        let data = agenda_data(date(2027, 1, 14), &meeting, &rows, &config, as_of);

        assert_eq!(data["meeting_date"], "2027-01-14");
        assert_eq!(data["approval_count"], 1);
        assert_eq!(data["information_count"], 1);
        assert_eq!(data["approval"][0]["item_number"], "A-1");
        assert_eq!(data["approval"][0]["override_reason"], "Board asked");
        assert_eq!(data["information"][0]["item_number"], "I-1");
        assert_eq!(data["information"][0]["partnership_id"], "M-1");
        assert!(data["approval"][0]["rubric"].as_array().is_some_and(|r| r.len() == 7));
    }

    #[test]
    fn the_sample_has_both_sections_and_the_counts() {
        let config = Config::defaults().unwrap();
        let names = agenda_field_names(&config);
        for name in ["meeting_date", "approval", "information", "approval_count"] {
            assert!(names.iter().any(|n| n == name), "{name}");
        }
    }
}
