//! The columns of the intake schema and how headers are matched to them.

/// A column of the Partnerships sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    PartnershipId,
    ProgramName,
    PartnerName,
    PartnerType,
    PartnerContact,
    PartnerEmail,
    PartnerPhone,
    PartnerAddress,
    DistrictLead,
    Schools,
    ProgramDescription,
    DistrictPriorities,
    ProgramScope,
    StartDate,
    EndDate,
    StudentsServed,
    ContactHoursPerWeek,
    DistrictFunds,
    PartnerFunds,
    InKindValue,
    DataShared,
    BoardMeeting,
    IntensityOverride,
    OverrideReason,
}

impl Field {
    /// Every field, in the order of the intake schema.
    pub const ALL: [Field; 24] = [
        Field::PartnershipId,
        Field::ProgramName,
        Field::PartnerName,
        Field::PartnerType,
        Field::PartnerContact,
        Field::PartnerEmail,
        Field::PartnerPhone,
        Field::PartnerAddress,
        Field::DistrictLead,
        Field::Schools,
        Field::ProgramDescription,
        Field::DistrictPriorities,
        Field::ProgramScope,
        Field::StartDate,
        Field::EndDate,
        Field::StudentsServed,
        Field::ContactHoursPerWeek,
        Field::DistrictFunds,
        Field::PartnerFunds,
        Field::InKindValue,
        Field::DataShared,
        Field::BoardMeeting,
        Field::IntensityOverride,
        Field::OverrideReason,
    ];

    /// The field's name in the schema, configuration and templates.
    pub fn name(self) -> &'static str {
        match self {
            Field::PartnershipId => "partnership_id",
            Field::ProgramName => "program_name",
            Field::PartnerName => "partner_name",
            Field::PartnerType => "partner_type",
            Field::PartnerContact => "partner_contact",
            Field::PartnerEmail => "partner_email",
            Field::PartnerPhone => "partner_phone",
            Field::PartnerAddress => "partner_address",
            Field::DistrictLead => "district_lead",
            Field::Schools => "schools",
            Field::ProgramDescription => "program_description",
            Field::DistrictPriorities => "district_priorities",
            Field::ProgramScope => "program_scope",
            Field::StartDate => "start_date",
            Field::EndDate => "end_date",
            Field::StudentsServed => "students_served",
            Field::ContactHoursPerWeek => "contact_hours_per_week",
            Field::DistrictFunds => "district_funds",
            Field::PartnerFunds => "partner_funds",
            Field::InKindValue => "in_kind_value",
            Field::DataShared => "data_shared",
            Field::BoardMeeting => "board_meeting",
            Field::IntensityOverride => "intensity_override",
            Field::OverrideReason => "override_reason",
        }
    }

    /// Whether every file must have this column.
    pub fn is_required(self) -> bool {
        matches!(
            self,
            Field::PartnershipId
                | Field::ProgramName
                | Field::PartnerName
                | Field::DistrictLead
                | Field::Schools
                | Field::ProgramScope
                | Field::StartDate
                | Field::EndDate
                | Field::StudentsServed
                | Field::ContactHoursPerWeek
                | Field::DataShared
        )
    }

    /// Finds a field by its schema name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| field.name() == name)
    }
}

/// A column of the Decisions sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecisionField {
    PartnershipId,
    Decision,
    DistrictRole,
    PartnerRole,
    Notes,
}

impl DecisionField {
    /// Every column of the Decisions sheet.
    pub const ALL: [DecisionField; 5] = [
        DecisionField::PartnershipId,
        DecisionField::Decision,
        DecisionField::DistrictRole,
        DecisionField::PartnerRole,
        DecisionField::Notes,
    ];

    /// The column's name in the schema.
    pub fn name(self) -> &'static str {
        match self {
            DecisionField::PartnershipId => "partnership_id",
            DecisionField::Decision => "decision",
            DecisionField::DistrictRole => "district_role",
            DecisionField::PartnerRole => "partner_role",
            DecisionField::Notes => "notes",
        }
    }

    /// Whether the Decisions sheet must have this column.
    pub fn is_required(self) -> bool {
        !matches!(self, DecisionField::Notes)
    }
}

/// Reduces a header to the letters and digits that identify it, lowercased.
///
/// "Partnership ID", `partnership_id` and "PARTNERSHIP-ID" all become `partnershipid`.
pub fn normalize_header(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_ignoring_case_spacing_and_punctuation() {
        let expected = normalize_header("partnership_id");
        for header in
            ["Partnership ID", "PARTNERSHIP-ID", " partnership id? ", "Partnership.Id"]
        {
            assert_eq!(normalize_header(header), expected, "{header}");
        }
    }

    #[test]
    fn names_round_trip() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
        }
    }
}
