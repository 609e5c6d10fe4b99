//! Typed sensitive containers: [`Sensitive<T>`], and the vocabulary that tags it, [`Category`] and
//! [`Classification`], paired as a [`DataTag`].
//!
//! This module owns how a secret value lives in memory. It must never offer a way to print, serialize or clone the
//! value implicitly: the only ways out are [`Sensitive::expose_secret`] (visible in review) and sealing.

use core::fmt;
use core::str::FromStr;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, Result};

/// How tightly data is held. Ordered: `Public < Restricted < Confidential < Secret`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Classification {
    /// May be disclosed to anyone.
    Public,
    /// For the case team and authorities involved; disclosure causes limited harm.
    Restricted,
    /// Disclosure would harm persons or proceedings.
    Confidential,
    /// Disclosure could endanger life or the integrity of proceedings (witness identities, informants).
    Secret,
}

impl Classification {
    /// Every classification, lowest first.
    pub const ALL: [Self; 4] = [Self::Public, Self::Restricted, Self::Confidential, Self::Secret];

    /// The stable code (written in envelopes and across the C ABI).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Public => 0,
            Self::Restricted => 1,
            Self::Confidential => 2,
            Self::Secret => 3,
        }
    }

    /// The classification with this code.
    ///
    /// # Errors
    /// [`Error::UnknownCode`] for a code not assigned.
    pub fn from_code(code: u8) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == code)
            .ok_or(Error::UnknownCode { what: "classification", code: u32::from(code) })
    }

    /// The stable lowercase name (`confidential`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Restricted => "restricted",
            Self::Confidential => "confidential",
            Self::Secret => "secret",
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Classification {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown classification {s:?}")))
    }
}

macro_rules! categories {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $min:ident; )*) => {
        /// What sensitive data is. Each category has a minimum [`Classification`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Category {
            $( $(#[$doc])* $variant, )*
        }

        impl Category {
            /// Every category, in code order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The stable code (written in envelopes and across the C ABI).
            #[must_use]
            pub const fn code(self) -> u16 {
                match self { $(Self::$variant => $code,)* }
            }

            /// The stable snake_case name (`financial_records`).
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The lowest classification data of this category may carry.
            #[must_use]
            pub const fn minimum_classification(self) -> Classification {
                match self { $(Self::$variant => Classification::$min,)* }
            }
        }
    };
}

categories! {
    /// Names, dates of birth, identity document numbers of suspects, victims or other persons.
    PersonalIdentity = 1, "personal_identity", Restricted;
    /// Addresses, telephone numbers, e-mail addresses.
    ContactDetails = 2, "contact_details", Restricted;
    /// Bank statements, account numbers, transaction records.
    FinancialRecords = 3, "financial_records", Confidential;
    /// Fingerprints, facial images, DNA profiles.
    Biometric = 4, "biometric", Confidential;
    /// Medical and health information.
    Health = 5, "health", Confidential;
    /// The content of intercepted or seized communications.
    CommunicationsContent = 6, "communications_content", Confidential;
    /// Subscriber and traffic data: who communicated with whom, when, from where.
    CommunicationsMetadata = 7, "communications_metadata", Restricted;
    /// Case files and seized material (disk images, documents).
    Evidence = 8, "evidence", Restricted;
    /// Communications between a lawyer and client, protected by legal privilege.
    PrivilegedLegal = 9, "privileged_legal", Confidential;
    /// Investigators' working notes and analysis.
    InvestigativeNotes = 10, "investigative_notes", Restricted;
    /// The identity of a protected witness or informant.
    WitnessIdentity = 11, "witness_identity", Secret;
    /// Case administration without personal data (request letters, procedural correspondence).
    CaseAdministration = 12, "case_administration", Public;
}

impl Category {
    /// The category with this code.
    ///
    /// # Errors
    /// [`Error::UnknownCode`] for a code not assigned.
    pub fn from_code(code: u16) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.code() == code)
            .ok_or(Error::UnknownCode { what: "category", code: u32::from(code) })
    }

    /// Check that `classification` is allowed for this category.
    ///
    /// # Errors
    /// [`Error::ClassificationBelowMinimum`] when it is below [`Self::minimum_classification`].
    pub fn check(self, classification: Classification) -> Result<()> {
        let minimum = self.minimum_classification();
        if classification < minimum {
            return Err(Error::ClassificationBelowMinimum { category: self, classification, minimum });
        }
        Ok(())
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Category {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.name() == s)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown category {s:?}")))
    }
}

/// What data is and how tightly it is held: the category and classification an envelope is sealed under.
///
/// [`Sensitive::tag`] gives a value's tag; a stream or a file to seal is given one. The classification is checked
/// against the category's minimum when the data is sealed ([`Error::ClassificationBelowMinimum`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DataTag {
    /// What the data is.
    pub category: Category,
    /// How tightly it is held.
    pub classification: Classification,
}

impl DataTag {
    /// `category` held at `classification` (checked against the category's minimum when sealing).
    #[must_use]
    pub fn new(category: Category, classification: Classification) -> Self {
        Self { category, classification }
    }
}

/// Secret: a value tagged with its [`Category`] and [`Classification`]; zeroized on drop, never printed.
///
/// `Debug` and `Display` show only the tags and `[REDACTED]`. There is no `Serialize` and no `Clone`: sealing is
/// the way to move the value elsewhere, and [`Sensitive::expose_secret`] is the way to read it, a name that stands
/// out in review.
///
/// ```
/// use custodia::{Category, Sensitive};
/// let iban = Sensitive::new(String::from("DE89 3704 0044 0532 0130 00"), Category::FinancialRecords);
/// assert_eq!(format!("{iban:?}"), "Sensitive<financial_records, confidential>([REDACTED])");
/// assert!(iban.expose_secret().starts_with("DE89"));
/// ```
pub struct Sensitive<T: Zeroize> {
    value: T,
    category: Category,
    classification: Classification,
    /// How the value is wiped on drop: `T::zeroize`, or a faster equivalent for byte vectors.
    wipe: fn(&mut T),
}

/// Zeroize a byte vector's contents and spare capacity, then empty it.
///
/// Same guarantee as `Vec::<u8>::zeroize` (writes the compiler may not remove), about ten times faster for large
/// buffers: `zeroize`'s `Vec` impl wipes element by element with volatile stores (18 ms for 64 MiB here), its slice
/// impls fill and then place an optimisation barrier (2 ms). Public for the C ABI crate, which wipes the buffers it
/// hands out with it.
pub fn wipe_bytes(v: &mut Vec<u8>) {
    v.as_mut_slice().zeroize();
    v.spare_capacity_mut().zeroize();
    v.clear();
}

impl Sensitive<Vec<u8>> {
    /// Wipe with [`wipe_bytes`] on drop (the value is bytes, so the generic element-by-element wipe is not needed).
    #[must_use]
    pub fn with_fast_wipe(mut self) -> Self {
        self.wipe = wipe_bytes;
        self
    }
}

impl<T: Zeroize> Sensitive<T> {
    /// Wrap `value`, classified at its category's minimum classification.
    pub fn new(value: T, category: Category) -> Self {
        Self { value, category, classification: category.minimum_classification(), wipe: T::zeroize }
    }

    /// Wrap `value` with an explicit classification.
    ///
    /// # Errors
    /// [`Error::ClassificationBelowMinimum`] if the category does not allow that classification; the value is
    /// zeroized before the error is returned.
    pub fn with_classification(mut value: T, category: Category, classification: Classification) -> Result<Self> {
        if let Err(e) = category.check(classification) {
            value.zeroize();
            return Err(e);
        }
        Ok(Self { value, category, classification, wipe: T::zeroize })
    }

    /// Read the secret value. Every call site is a place where the secret leaves custodia's protection.
    pub fn expose_secret(&self) -> &T {
        &self.value
    }

    /// Mutable access to the secret value, e.g. to fill a pre-sized buffer in place.
    pub fn expose_secret_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// What the data is.
    pub fn category(&self) -> Category {
        self.category
    }

    /// How tightly it is held.
    pub fn classification(&self) -> Classification {
        self.classification
    }

    /// Its category and classification together: what sealing it binds to the envelope.
    pub fn tag(&self) -> DataTag {
        DataTag { category: self.category, classification: self.classification }
    }

    /// Raise the classification (never lower it below the category's minimum).
    ///
    /// # Errors
    /// [`Error::ClassificationBelowMinimum`] when `classification` is below the category's minimum.
    pub fn reclassify(&mut self, classification: Classification) -> Result<()> {
        self.category.check(classification)?;
        self.classification = classification;
        Ok(())
    }

    /// Deserialize a value straight into a `Sensitive`: an explicit opt-in, since `Sensitive` does not implement
    /// `Deserialize` itself.
    ///
    /// # Errors
    /// The deserializer's error, or a custom error when the category does not allow `classification`.
    pub fn deserialize_as<'de, D>(
        deserializer: D,
        category: Category,
        classification: Classification,
    ) -> Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
        T: serde::Deserialize<'de>,
    {
        let value = T::deserialize(deserializer)?;
        Self::with_classification(value, category, classification).map_err(serde::de::Error::custom)
    }
}

impl<T: Zeroize> Drop for Sensitive<T> {
    fn drop(&mut self) {
        (self.wipe)(&mut self.value);
    }
}

impl<T: Zeroize> ZeroizeOnDrop for Sensitive<T> {}

impl<T: Zeroize> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sensitive<{}, {}>([REDACTED])", self.category, self.classification)
    }
}

impl<T: Zeroize> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[REDACTED {} {}]", self.classification, self.category)
    }
}

impl serde::Serialize for Classification {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Classification {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Category {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Category {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const MARKER: &str = "MARKER-7f3a9c-secret-value";

    #[test]
    fn wipe_bytes_zeroes_contents_and_spare_capacity() {
        let mut v = Vec::with_capacity(4096);
        v.extend_from_slice(&[0xa5u8; 3000]);
        let cap = v.capacity();
        wipe_bytes(&mut v);
        assert!(v.is_empty());
        assert_eq!(v.capacity(), cap, "the allocation is kept, only emptied");
        // Safe code cannot read spare capacity back; the slice wipe `wipe_bytes` relies on is checked on a live
        // buffer instead.
        let mut live = vec![0x5au8; 65537];
        live.as_mut_slice().zeroize();
        assert!(live.iter().all(|&b| b == 0));
    }

    #[test]
    fn fast_wipe_keeps_tags_and_value() {
        let s = Sensitive::new(MARKER.as_bytes().to_vec(), Category::Evidence).with_fast_wipe();
        assert_eq!(s.expose_secret().as_slice(), MARKER.as_bytes());
        assert_eq!(s.category(), Category::Evidence);
        assert!(!format!("{s:?}").contains("MARKER"));
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Sensitive::new(String::from(MARKER), Category::WitnessIdentity);
        let v = Sensitive::new(MARKER.as_bytes().to_vec(), Category::Evidence);
        let a = Sensitive::new(*b"MARKER-7f3a9c-secret-value", Category::Biometric);
        for text in
            [format!("{s:?}"), format!("{s}"), format!("{s:#?}"), format!("{v:?}"), format!("{a:?}"), format!("{a}")]
        {
            assert!(!text.contains("MARKER"), "leaked: {text}");
            assert!(text.contains("REDACTED"));
        }
        assert!(format!("{s:?}").contains("witness_identity"));
    }

    #[test]
    fn debug_inside_a_derived_struct_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Record {
            case: &'static str,
            subject: Sensitive<String>,
        }
        let r = Record { case: "MLA-2026-0042", subject: Sensitive::new(MARKER.into(), Category::PersonalIdentity) };
        let text = format!("{r:?} {r:#?}");
        assert!(!text.contains(MARKER));
        assert!(text.contains("MLA-2026-0042"));
    }

    /// A user type whose `zeroize` records that it ran, and really clears its contents.
    struct Recorder {
        data: Vec<u8>,
        wiped: Arc<AtomicUsize>,
    }
    impl Zeroize for Recorder {
        fn zeroize(&mut self) {
            self.data.zeroize();
            self.wiped.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn drop_zeroizes_the_value() {
        let wiped = Arc::new(AtomicUsize::new(0));
        let s = Sensitive::new(Recorder { data: vec![7; 32], wiped: wiped.clone() }, Category::Health);
        assert_eq!(s.expose_secret().data, vec![7; 32]);
        assert_eq!(wiped.load(Ordering::SeqCst), 0);
        drop(s);
        assert_eq!(wiped.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn refused_classification_zeroizes_too() {
        let wiped = Arc::new(AtomicUsize::new(0));
        let r = Recorder { data: vec![1; 4], wiped: wiped.clone() };
        let err = Sensitive::with_classification(r, Category::WitnessIdentity, Classification::Public).unwrap_err();
        assert!(matches!(err, Error::ClassificationBelowMinimum { minimum: Classification::Secret, .. }));
        assert_eq!(wiped.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn minimums_hold() {
        assert!(Category::Biometric.check(Classification::Public).is_err());
        assert!(Category::WitnessIdentity.check(Classification::Confidential).is_err());
        assert!(Category::WitnessIdentity.check(Classification::Secret).is_ok());
        assert!(Category::CaseAdministration.check(Classification::Public).is_ok());
        for c in Category::ALL.iter().filter(|c| **c != Category::CaseAdministration) {
            assert_ne!(c.minimum_classification(), Classification::Public, "{c}");
        }
    }

    #[test]
    fn codes_and_names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()).expect("known"), *c);
            assert_eq!(c.name().parse::<Category>().expect("known"), *c);
        }
        for c in Classification::ALL {
            assert_eq!(Classification::from_code(c.code()).expect("known"), c);
            assert_eq!(c.name().parse::<Classification>().expect("known"), c);
        }
        assert!(Category::from_code(0).is_err());
        assert!(Classification::from_code(9).is_err());
    }

    #[test]
    fn opt_in_deserialize() {
        let mut de = serde_json::Deserializer::from_str("\"NL91ABNA0417164300\"");
        let s: Sensitive<String> =
            Sensitive::deserialize_as(&mut de, Category::FinancialRecords, Classification::Secret).expect("valid");
        assert_eq!(s.expose_secret(), "NL91ABNA0417164300");
        assert_eq!(s.classification(), Classification::Secret);
        let mut de = serde_json::Deserializer::from_str("\"x\"");
        assert!(Sensitive::<String>::deserialize_as(&mut de, Category::Biometric, Classification::Public).is_err());
    }
}
