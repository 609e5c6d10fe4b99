//! The access policy through the facade: loading `access-policy.toml` from the custodian directory, recording every
//! change of it (`policy_changed`), replacing it ([`Custodian::set_access_policy`]), and issuing four-eyes approvals
//! ([`Custodian::approve_exception`]). The rules themselves live in the policy layer; this file owns the file, the
//! hash kept in the keyring and the audit events.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use super::{Custodian, hex, replace_file, signer_for};
use crate::audit::{AuditEvent, EventKind};
use crate::error::{Error, Result};
use crate::keys::keyring::refuse_writable_by_others;
use crate::policy::{ACCESS_POLICY_FILE, AccessPolicy, Approval, ApprovalTerms, MAX_POLICY_LEN};
use crate::vocabulary::{Actor, KeyId};

impl Custodian {
    /// The access policy in force, if the custodian directory has one (`access-policy.toml`, see `docs/POLICY.md`).
    /// Without one, the gate applies no need-to-know, transfer or four-eyes rule (the behaviour before policies).
    ///
    /// With the keyring on PostgreSQL (`CustodianOptions::postgres`, feature `postgres`) the policy lives in the
    /// keyring, and this first looks whether another server changed it (the keyring's staleness check), so that a
    /// policy set on one server applies to the next decision of every other.
    #[must_use]
    pub fn access_policy(&self) -> Option<Arc<AccessPolicy>> {
        if self.shared_keyring {
            self.refresh_shared_policy();
        }
        self.access.read().map_or(None, |a| a.clone())
    }

    /// Replace the policy in force by the keyring's when its hash differs. When the keyring cannot be read, the
    /// policy last applied stays (the operation that asked fails anyway: it reads the keyring next, and fails closed).
    /// Takes the keyring's lock (and may re-read it): never called while the caller holds a keyring guard.
    fn refresh_shared_policy(&self) {
        let Ok(ring) = self.read() else { return };
        let body = ring.body();
        let current = self.access.read().map_or(None, |a| a.as_ref().map(|p| p.sha256()));
        if current == body.access_policy_hash {
            return;
        }
        // The text was parsed by the server that set it; one that cannot parse it (a newer policy version) keeps
        // the policy it has rather than running without any.
        if let Ok(policy) = body.access_policy.as_deref().map(AccessPolicy::from_toml).transpose()
            && let Ok(mut slot) = self.access.write()
        {
            *slot = policy.map(Arc::new);
        }
    }

    /// Replace the access policy: write it to `access-policy.toml` in the custodian directory atomically (temp file,
    /// fsync, rename, fsync directory), record a `policy_changed` event naming `actor` and the policy's SHA-256, and
    /// apply it to every later decision of this custodian (other processes on the same directory apply it when they
    /// next load).
    ///
    /// # Errors
    /// [`Error::Io`] writing the file; [`Error::AuditWrite`] (the file is then already replaced: the next load
    /// notices the unrecorded change and records it); [`Error::CustodianClosed`].
    pub fn set_access_policy(&self, actor: &Actor, policy: AccessPolicy) -> Result<()> {
        let _op = self.operation();
        self.check_open()?;
        if !self.shared_keyring {
            replace_file(&self.dir.join(ACCESS_POLICY_FILE), policy.text().as_bytes(), &mut io::empty())?;
        }
        let new = policy.sha256();
        let previous = self.read()?.body().access_policy_hash;
        self.record(policy_event(previous, Some(new), "set").actor(actor))?;
        let shared = self.shared_keyring;
        self.write()?.update(|b| {
            b.access_policy_hash = Some(new);
            if shared {
                b.access_policy = Some(policy.text().to_owned());
            }
            Ok(())
        })?;
        *self.access.write().map_err(|_| Error::Internal("access policy lock poisoned".into()))? =
            Some(Arc::new(policy));
        Ok(())
    }

    /// Sign a four-eyes approval as `approver` with this keyring's Ed25519 key `signing_key_id`: consent that the
    /// actor named in `terms` open one envelope for one purpose under one exception until `terms.not_after`. The
    /// approval is recorded here (`exception_approved`) and handed back to travel with the open request
    /// ([`crate::OpenRequest::with_approval`]); the opening custodian checks it against its access policy's approvers.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when `approver` is the actor who will open (no self-approval);
    /// [`Error::KeyNotFound`], [`Error::KeyState`], [`Error::KeyDestroyed`], [`Error::InvalidArgument`] for a key
    /// that is not an own, active Ed25519 key; [`Error::AuditWrite`] (no approval is then returned).
    pub fn approve_exception(
        &self,
        approver: &Actor,
        signing_key_id: &KeyId,
        terms: ApprovalTerms,
    ) -> Result<Approval> {
        let _op = self.operation();
        if approver.id() == terms.actor {
            return Err(Error::InvalidArgument("an actor cannot approve their own exception".into()));
        }
        let key = {
            let ring = self.read()?;
            signer_for(ring.body(), signing_key_id, &self.signers)?
        };
        let approval = Approval::sign(terms, approver.id(), &key)?;
        let t = approval.terms();
        let mut ev = AuditEvent::new(EventKind::ExceptionApproved)
            .actor(approver)
            .object(&t.object_id)
            .purpose(&t.purpose)
            .key(*signing_key_id)
            .detail("for_actor", &t.actor)
            .detail("exception", t.exception.name())
            .detail("not_after", &t.not_after.to_string())
            .detail("approval", &approval.hash_hex()?);
        if let Some(r) = &t.reference {
            ev = ev.detail("reference", r);
        }
        self.record(ev)?;
        Ok(approval)
    }

    /// At load: read the policy file (if any), and when its hash differs from the one the keyring last recorded
    /// (edited, replaced or deleted behind the custodian's back, or first seen) record `policy_changed` with source
    /// `file` before the custodian is used, then remember the new hash.
    ///
    /// With the keyring on PostgreSQL the policy is the keyring's, and a policy file in the directory is refused
    /// ([`Error::PolicyInvalid`]): one server's file must not quietly differ from what every other server applies.
    pub(super) fn load_access_policy(&self) -> Result<()> {
        let path = self.dir.join(ACCESS_POLICY_FILE);
        if self.shared_keyring {
            if std::fs::symlink_metadata(&path).is_ok() {
                return Err(Error::PolicyInvalid {
                    line: 0,
                    column: 0,
                    reason: format!(
                        "{} exists, but with the keyring on PostgreSQL the access policy lives in the keyring: \
                         remove the file and set the policy with set_access_policy",
                        path.display()
                    ),
                });
            }
            let policy = self.read()?.body().access_policy.as_deref().map(AccessPolicy::from_toml).transpose()?;
            *self.access.write().map_err(|_| Error::Internal("access policy lock poisoned".into()))? =
                policy.map(Arc::new);
            return Ok(());
        }
        let text = read_policy_file(&path)?;
        let policy = text.as_deref().map(AccessPolicy::from_toml).transpose()?;
        let new = policy.as_ref().map(AccessPolicy::sha256);
        let previous = self.read()?.body().access_policy_hash;
        if new != previous {
            self.record(policy_event(previous, new, "file"))?;
            self.write()?.update(|b| {
                b.access_policy_hash = new;
                Ok(())
            })?;
        }
        *self.access.write().map_err(|_| Error::Internal("access policy lock poisoned".into()))? = policy.map(Arc::new);
        Ok(())
    }
}

/// The `policy_changed` event: the new hash (`none` when the file was removed), the previous one, and how the change
/// came (`set` through the API, `file` found at load).
fn policy_event(previous: Option<[u8; 32]>, new: Option<[u8; 32]>, source: &str) -> AuditEvent {
    let h = |x: Option<[u8; 32]>| x.map_or_else(|| "none".to_owned(), |x| hex(&x));
    AuditEvent::new(EventKind::PolicyChanged)
        .detail("sha256", &h(new))
        .detail("previous", &h(previous))
        .detail("source", source)
}

/// The policy file's text, `None` when there is none.
fn read_policy_file(path: &Path) -> Result<Option<String>> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    refuse_writable_by_others(path, &f.metadata()?)?;
    let mut bytes = Vec::new();
    Read::take(&mut f, MAX_POLICY_LEN as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > MAX_POLICY_LEN {
        return Err(Error::PolicyInvalid {
            line: 0,
            column: 0,
            reason: format!("{} is larger than {MAX_POLICY_LEN} bytes", path.display()),
        });
    }
    String::from_utf8(bytes).map(Some).map_err(|_| Error::PolicyInvalid {
        line: 0,
        column: 0,
        reason: "the file is not UTF-8".into(),
    })
}
