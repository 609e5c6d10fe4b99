//! Actors: who is acting, as the host application authenticated them; custodia records it and the gate checks it.

use crate::error::{Error, Result};
use crate::vocabulary::is_printable_text;
use crate::vocabulary::jurisdiction::Jurisdiction;
use crate::vocabulary::sensitive::Classification;

/// Longest actor id or role, in bytes.
pub const MAX_ACTOR_FIELD_LEN: usize = 128;

/// Who is acting: supplied by the host application, which authenticates its users; custodia records it.
///
/// Deserializing validates exactly as [`Actor::new`] does (and refuses unknown fields), so an actor read from JSON
/// can never carry what the constructor refuses.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "ActorWire")]
pub struct Actor {
    id: String,
    role: String,
    jurisdiction: Jurisdiction,
    clearance: Classification,
}

/// The serialized form of an [`Actor`], before validation.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ActorWire {
    id: String,
    role: String,
    jurisdiction: Jurisdiction,
    clearance: Classification,
}

impl TryFrom<ActorWire> for Actor {
    type Error = Error;
    fn try_from(w: ActorWire) -> Result<Self> {
        Self::new(&w.id, &w.role, w.jurisdiction, w.clearance)
    }
}

impl Actor {
    /// An actor: a stable user id, a role (`prosecutor`, `central_authority`), where they act, and their clearance.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for an empty, over-long or non-printable id or role.
    pub fn new(id: &str, role: &str, jurisdiction: Jurisdiction, clearance: Classification) -> Result<Self> {
        for (name, v) in [("actor id", id), ("actor role", role)] {
            if v.is_empty() || v.len() > MAX_ACTOR_FIELD_LEN || !is_printable_text(v) || v.trim() != v {
                return Err(Error::InvalidArgument(format!(
                    "{name} must be 1 to {MAX_ACTOR_FIELD_LEN} bytes of printable text without spaces at the ends"
                )));
            }
        }
        Ok(Self { id: id.to_owned(), role: role.to_owned(), jurisdiction, clearance })
    }

    /// The user id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The role.
    #[must_use]
    pub fn role(&self) -> &str {
        &self.role
    }

    /// Where the actor acts.
    #[must_use]
    pub fn jurisdiction(&self) -> Jurisdiction {
        self.jurisdiction
    }

    /// The highest classification the actor may open.
    #[must_use]
    pub fn clearance(&self) -> Classification {
        self.clearance
    }
}
