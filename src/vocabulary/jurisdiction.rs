//! Jurisdictions: ISO 3166-1 alpha-2 country codes, validated against the assigned list.

use core::fmt;
use core::str::FromStr;

use crate::error::{Error, Result};

/// A state or territory, by its ISO 3166-1 alpha-2 code (`DE`, `NL`, `US`), plus the exceptionally reserved `EU`
/// for institutions of the European Union (Eurojust, EPPO).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Jurisdiction([u8; 2]);

impl Jurisdiction {
    /// Parse an upper-case alpha-2 code.
    ///
    /// # Errors
    /// [`Error::InvalidJurisdiction`] unless `s` is an assigned code (or `EU`).
    pub fn parse(s: &str) -> Result<Self> {
        let b = s.as_bytes();
        if b.len() == 2 && (s == "EU" || ASSIGNED.binary_search(&s).is_ok()) {
            return Ok(Self([b[0], b[1]]));
        }
        Err(Error::InvalidJurisdiction(s.chars().take(16).collect()))
    }

    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        core::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The two code bytes.
    #[must_use]
    pub fn as_bytes(&self) -> [u8; 2] {
        self.0
    }
}

impl FromStr for Jurisdiction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Jurisdiction({})", self.as_str())
    }
}

impl serde::Serialize for Jurisdiction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Jurisdiction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The officially assigned ISO 3166-1 alpha-2 codes, sorted.
const ASSIGNED: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_assigned_codes_only() {
        for ok in ["DE", "NL", "US", "FR", "EU", "ZW", "AD"] {
            assert_eq!(Jurisdiction::parse(ok).expect(ok).as_str(), ok);
        }
        for bad in ["", "D", "de", "DEU", "XX", "ZZ", "UK", "E\u{fc}", "12"] {
            assert!(matches!(Jurisdiction::parse(bad), Err(Error::InvalidJurisdiction(_))), "{bad}");
        }
    }

    #[test]
    fn hostile_json_is_refused() {
        assert_eq!(serde_json::from_str::<Jurisdiction>(r#""NL""#).expect("valid").as_str(), "NL");
        for json in [
            r#""""#,
            r#""nl""#,
            r#""XX""#,
            r#""NLD""#,
            r#""N""#,
            r#""NL\u0000""#,
            r#""N\nL""#,
            r#"" NL""#,
            "31",
            "null",
            r#"["NL"]"#,
        ] {
            assert!(serde_json::from_str::<Jurisdiction>(json).is_err(), "accepted {json}");
        }
    }

    #[test]
    fn list_is_sorted() {
        assert!(ASSIGNED.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ASSIGNED.len(), 249);
    }
}
