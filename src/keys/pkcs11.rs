//! The PKCS#11 key provider (feature `pkcs11`): key-encryption keys that never leave an HSM token.
//!
//! Each KEK is an AES-256 secret key object on the token, sensitive and non-extractable; a data key is encrypted to
//! it with `CKM_AES_GCM` *inside the token* (a fresh 12-byte IV, the stanza's associated data as GCM AAD, a 128-bit
//! tag), giving the stanza kind 5 `pkcs11-aes-gcm` (docs/FORMAT.md sections 3 and 13). GCM encrypt/decrypt rather
//! than `C_WrapKey`: SoftHSM2 and most tokens do not offer GCM as a wrapping mechanism, and the data key is not a
//! token object.
//!
//! A token key's custodia key id is derived from its `CKA_ID` (not its label, not its handle, both of which change
//! or repeat): `SHA-256("custodia/v1/key-id/" || "pkcs11-aes" || 0x00 || CKA_ID)[..16]` (FORMAT.md section 13). Only
//! AES secret keys with a non-empty `CKA_ID`, `CKA_SENSITIVE` true and `CKA_EXTRACTABLE` false are this provider's
//! keys: an extractable key on the same token is "not mine".
//!
//! One `Pkcs11` context per module path per process (PKCS#11 allows one `C_Initialize` per process; it is never
//! finalized, so a provider dropped does not log the others out). Sessions are pooled: an operation takes a session
//! from the pool (or opens one) and puts it back, so several threads use the token at once.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::format::StanzaKind;
use crate::keys::{
    ED25519_PUBLIC_LEN, KEY_LEN, KeyProvider, Signer, SigningKey, Unwrapped, VerifyingKey, random_bytes,
};
use crate::vocabulary::KeyId;

/// GCM IV length (bytes): the 96-bit IV that GCM is specified for.
pub const GCM_IV_LEN: usize = 12;
/// GCM tag length (bytes).
pub const GCM_TAG_LEN: usize = 16;
/// GCM tag length in bits, as `CK_GCM_PARAMS` takes it.
const TAG_BITS: u64 = 128;
/// The wrapped bytes of a `pkcs11-aes-gcm` stanza after its key id: `iv (12) || ciphertext (32) || tag (16)`.
pub const WRAPPED_LEN: usize = GCM_IV_LEN + KEY_LEN + GCM_TAG_LEN;
/// Length of the `CKA_ID` given to the keys this provider generates (random bytes).
pub const GENERATED_CKA_ID_LEN: usize = 16;

/// The custodia key id of a token key with this `CKA_ID` (FORMAT.md section 13).
#[must_use]
pub fn key_id_for_cka_id(cka_id: &[u8]) -> KeyId {
    KeyId::derive_named("pkcs11-aes", cka_id)
}

/// `CKA_EC_PARAMS` of an Ed25519 key: the DER encoding of the object identifier `id-Ed25519` (1.3.101.112,
/// RFC 8410), as PKCS#11 3.0 lets `CKK_EC_EDWARDS` keys name their curve.
pub const ED25519_EC_PARAMS: [u8; 5] = [0x06, 0x03, 0x2b, 0x65, 0x70];

/// Where a [`Pkcs11Provider`] finds its token.
#[non_exhaustive]
pub struct Pkcs11Config {
    /// The PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// The label of the token to use.
    pub token_label: String,
    /// The user PIN (wiped on drop; never printed).
    pub user_pin: Zeroizing<String>,
}

impl Pkcs11Config {
    /// A configuration for the token labelled `token_label` in `module`, logged in with `user_pin`.
    #[must_use]
    pub fn new(module: impl Into<PathBuf>, token_label: &str, user_pin: &str) -> Self {
        Self {
            module: module.into(),
            token_label: token_label.to_owned(),
            user_pin: Zeroizing::new(user_pin.to_owned()),
        }
    }
}

impl fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Config")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .finish_non_exhaustive()
    }
}

/// A [`KeyProvider`] over a PKCS#11 token: KEKs are AES-256 keys on the token; data keys are encrypted to them with
/// `CKM_AES_GCM` inside the token.
pub struct Pkcs11Provider {
    ctx: Pkcs11,
    slot: Slot,
    label: String,
    /// Kept open for the provider's lifetime: the login belongs to the application while any session is open.
    _login: Mutex<Session>,
    pool: Mutex<Vec<Session>>,
    /// Key id -> `CKA_ID`, filled by scans of the token.
    known: RwLock<HashMap<KeyId, Vec<u8>>>,
}

impl fmt::Debug for Pkcs11Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Provider").field("token", &self.label).finish_non_exhaustive()
    }
}

/// The process's one context per module path.
fn context(module: &Path) -> Result<Pkcs11> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut map = CONTEXTS.get_or_init(|| Mutex::new(HashMap::new())).lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(c) = map.get(module) {
        return Ok(c.clone());
    }
    let ctx = Pkcs11::new(module).map_err(|e| unavailable(&format!("cannot load {}", module.display()), &e))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(unavailable("C_Initialize failed", &e)),
    }
    map.insert(module.to_owned(), ctx.clone());
    Ok(ctx)
}

fn unavailable(what: &str, e: &CkError) -> Error {
    Error::ProviderUnavailable(format!("pkcs11: {what}: {e}"))
}

/// A token error: the token gone, its session or login lost -> unavailable; anything else -> failed.
fn classify(what: &str, e: &CkError) -> Error {
    match e {
        CkError::Pkcs11(
            RvError::DeviceRemoved
            | RvError::DeviceError
            | RvError::DeviceMemory
            | RvError::TokenNotPresent
            | RvError::TokenNotRecognized
            | RvError::SessionClosed
            | RvError::SessionHandleInvalid
            | RvError::UserNotLoggedIn
            | RvError::CryptokiNotInitialized
            | RvError::SlotIdInvalid,
            _,
        )
        | CkError::LibraryLoading(_)
        | CkError::NullFunctionPointer
        | CkError::MissingSymbol(_) => unavailable(what, e),
        _ => Error::ProviderFailed(format!("pkcs11: {what}: {e}")),
    }
}

impl Pkcs11Provider {
    /// Load `config.module`, find the token labelled `config.token_label` and log in as its user.
    ///
    /// # Errors
    /// [`Error::ProviderUnavailable`] when the module does not load, no token has that label, or the login is
    /// refused (a wrong PIN among them).
    pub fn open(config: &Pkcs11Config) -> Result<Self> {
        let ctx = context(&config.module)?;
        let slots = ctx.get_slots_with_initialized_token().map_err(|e| unavailable("no slot list", &e))?;
        let slot = slots
            .into_iter()
            .find(|s| ctx.get_token_info(*s).is_ok_and(|t| t.label() == config.token_label))
            .ok_or_else(|| Error::ProviderUnavailable(format!("pkcs11: no token labelled {:?}", config.token_label)))?;
        let login = ctx.open_rw_session(slot).map_err(|e| unavailable("cannot open a session", &e))?;
        let pin = AuthPin::from(config.user_pin.as_str());
        match login.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(e) => return Err(unavailable("login refused", &e)),
        }
        Ok(Self {
            ctx,
            slot,
            label: config.token_label.clone(),
            _login: Mutex::new(login),
            pool: Mutex::new(Vec::new()),
            known: RwLock::new(HashMap::new()),
        })
    }

    /// Run `f` with a session of the pool (opened if none is free), returned to the pool afterwards.
    fn with_session<T>(&self, f: impl FnOnce(&Session) -> Result<T>) -> Result<T> {
        let pooled = self.pool.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let session = match pooled {
            Some(s) => s,
            None => self.ctx.open_rw_session(self.slot).map_err(|e| classify("cannot open a session", &e))?,
        };
        let out = f(&session);
        // A session whose token went away is dropped (closed), not pooled.
        if !matches!(out, Err(Error::ProviderUnavailable(_))) {
            self.pool.lock().unwrap_or_else(PoisonError::into_inner).push(session);
        }
        out
    }

    /// Generate a new KEK on the token (AES-256, sensitive, non-extractable, a random 16-byte `CKA_ID`, labelled
    /// `label`) and return its key id. Its value never leaves the token.
    ///
    /// # Errors
    /// [`Error::ProviderUnavailable`], [`Error::ProviderFailed`] from the token; [`Error::Rng`].
    pub fn generate_kek(&self, label: &str) -> Result<KeyId> {
        let mut cka_id = [0u8; GENERATED_CKA_ID_LEN];
        random_bytes(&mut cka_id)?;
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::ValueLen(32.into()),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
            Attribute::Wrap(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            Attribute::Id(cka_id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        self.with_session(|s| {
            s.generate_key(&Mechanism::AesKeyGen, &template).map_err(|e| classify("C_GenerateKey", &e))
        })?;
        let id = key_id_for_cka_id(&cka_id);
        self.known.write().unwrap_or_else(PoisonError::into_inner).insert(id, cka_id.to_vec());
        Ok(id)
    }

    /// The key ids of every KEK of this provider on the token (AES, non-empty `CKA_ID`, sensitive, non-extractable).
    ///
    /// # Errors
    /// [`Error::ProviderUnavailable`], [`Error::ProviderFailed`] from the token.
    pub fn kek_ids(&self) -> Result<Vec<KeyId>> {
        let found = self.with_session(|s| self.scan(s))?;
        let mut ids: Vec<KeyId> = found.keys().copied().collect();
        ids.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        Ok(ids)
    }

    /// Every eligible key on the token, by key id; remembered for later look-ups.
    fn scan(&self, s: &Session) -> Result<HashMap<KeyId, Vec<u8>>> {
        let handles = s
            .find_objects(&[Attribute::Class(ObjectClass::SECRET_KEY), Attribute::KeyType(KeyType::AES)])
            .map_err(|e| classify("C_FindObjects", &e))?;
        let mut found = HashMap::new();
        for h in handles {
            let attrs = s
                .get_attributes(h, &[AttributeType::Id, AttributeType::Sensitive, AttributeType::Extractable])
                .map_err(|e| classify("C_GetAttributeValue", &e))?;
            let (mut cka_id, mut sensitive, mut extractable) = (None, false, true);
            for a in attrs {
                match a {
                    Attribute::Id(v) if !v.is_empty() => cka_id = Some(v),
                    Attribute::Sensitive(b) => sensitive = b,
                    Attribute::Extractable(b) => extractable = b,
                    _ => {}
                }
            }
            if let (Some(cka_id), true, false) = (cka_id, sensitive, extractable) {
                found.insert(key_id_for_cka_id(&cka_id), cka_id);
            }
        }
        self.known.write().unwrap_or_else(PoisonError::into_inner).clone_from(&found);
        Ok(found)
    }

    /// The handle of this provider's key `key_id` in session `s`, or `None` when the token holds no such key.
    fn handle(&self, s: &Session, key_id: &KeyId) -> Result<Option<ObjectHandle>> {
        let cached = self.known.read().unwrap_or_else(PoisonError::into_inner).get(key_id).cloned();
        let cka_id = match cached {
            Some(c) => c,
            None => match self.scan(s)?.remove(key_id) {
                Some(c) => c,
                None => return Ok(None),
            },
        };
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Id(cka_id),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
        ];
        let handles = s.find_objects(&template).map_err(|e| classify("C_FindObjects", &e))?;
        match handles.as_slice() {
            [] => {
                // Destroyed on the token since it was seen: forget it.
                self.known.write().unwrap_or_else(PoisonError::into_inner).remove(key_id);
                Ok(None)
            }
            [h] => Ok(Some(*h)),
            _ => Err(Error::ProviderFailed(format!("pkcs11: several keys on the token have the CKA_ID of {key_id}"))),
        }
    }
}

/// An Ed25519 signing key on the token (`CKK_EC_EDWARDS`, signing with `CKM_EDDSA` inside the token): the envelope
/// signer or the audit key of a custodian whose keys must not leave the HSM ([`crate::CustodianOptions::signers`],
/// [`crate::CustodianOptions::audit_signer`]; docs/KEYS.md "Signing keys on a token"). Its custodia key id is the
/// usual one of its public key, so the keyring, envelopes and logs name it as any Ed25519 key.
pub struct Pkcs11Signer {
    provider: Arc<Pkcs11Provider>,
    cka_id: Vec<u8>,
    public: VerifyingKey,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer").field("token", &self.provider.label).field("key", &self.public.id()).finish()
    }
}

impl Pkcs11Signer {
    /// The key, as a [`SigningKey`] that signs on the token (for the format layer's and the audit layer's own
    /// calls, e.g. [`crate::format::EnvelopeOptions::with_signer`]).
    #[must_use]
    pub fn signing_key(self: &Arc<Self>) -> SigningKey {
        SigningKey::external(self.clone())
    }
}

impl Signer for Pkcs11Signer {
    fn name(&self) -> &str {
        "pkcs11"
    }

    fn verifying_key(&self) -> VerifyingKey {
        self.public
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64]> {
        let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let sig = self.provider.with_session(|s| {
            let h = self.provider.private_key(s, &self.cka_id)?.ok_or(Error::KeyNotFound(self.public.id()))?;
            s.sign(&mechanism, h, message).map_err(|e| classify("C_Sign (EdDSA)", &e))
        })?;
        sig.as_slice()
            .try_into()
            .map_err(|_| Error::ProviderFailed(format!("pkcs11: C_Sign returned {} bytes, not 64", sig.len())))
    }
}

impl Pkcs11Provider {
    /// Generate an Ed25519 key pair on the token (`CKM_EC_EDWARDS_KEY_PAIR_GEN`; the private key sensitive,
    /// non-extractable, signing only; a random 16-byte `CKA_ID` shared by both halves, labelled `label`) and return
    /// it as a signer. Its private key never leaves the token.
    ///
    /// # Errors
    /// [`Error::ProviderUnavailable`], [`Error::ProviderFailed`] from the token (one without Ed25519 among them);
    /// [`Error::Rng`].
    pub fn generate_signing_key(self: &Arc<Self>, label: &str) -> Result<Arc<Pkcs11Signer>> {
        let mut cka_id = [0u8; GENERATED_CKA_ID_LEN];
        random_bytes(&mut cka_id)?;
        let public = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::EcParams(ED25519_EC_PARAMS.to_vec()),
            Attribute::Id(cka_id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Derive(false),
            Attribute::Id(cka_id.to_vec()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let public = self.with_session(|s| {
            let (pk, _) = s
                .generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public, &private)
                .map_err(|e| classify("C_GenerateKeyPair (Ed25519)", &e))?;
            read_ed25519_public(s, pk)
        })?;
        Ok(Arc::new(Pkcs11Signer { provider: self.clone(), cka_id: cka_id.to_vec(), public }))
    }

    /// The Ed25519 key on the token whose public key has the custodia key id `key_id`, as a signer: a public key
    /// object (`CKK_EC_EDWARDS`, Ed25519 parameters) and a private key with the same `CKA_ID` that is sensitive,
    /// non-extractable and may sign. Keys made by other tools qualify too.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`] when the token holds no such pair; [`Error::ProviderUnavailable`],
    /// [`Error::ProviderFailed`] from the token.
    pub fn signing_key(self: &Arc<Self>, key_id: &KeyId) -> Result<Arc<Pkcs11Signer>> {
        let found = self.with_session(|s| {
            let handles = s
                .find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), Attribute::KeyType(KeyType::EC_EDWARDS)])
                .map_err(|e| classify("C_FindObjects", &e))?;
            for h in handles {
                let Ok(public) = read_ed25519_public(s, h) else { continue };
                if public.id() != *key_id {
                    continue;
                }
                let cka_id = s
                    .get_attributes(h, &[AttributeType::Id])
                    .map_err(|e| classify("C_GetAttributeValue", &e))?
                    .into_iter()
                    .find_map(|a| match a {
                        Attribute::Id(v) if !v.is_empty() => Some(v),
                        _ => None,
                    });
                if let Some(cka_id) = cka_id
                    && self.private_key(s, &cka_id)?.is_some()
                {
                    return Ok(Some((cka_id, public)));
                }
            }
            Ok(None)
        })?;
        let (cka_id, public) = found.ok_or(Error::KeyNotFound(*key_id))?;
        Ok(Arc::new(Pkcs11Signer { provider: self.clone(), cka_id, public }))
    }

    /// The private Ed25519 key with `cka_id` that this provider signs with (sensitive, non-extractable, may sign).
    fn private_key(&self, s: &Session, cka_id: &[u8]) -> Result<Option<ObjectHandle>> {
        let template = [
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::Id(cka_id.to_vec()),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
        ];
        let handles = s.find_objects(&template).map_err(|e| classify("C_FindObjects", &e))?;
        match handles.as_slice() {
            [] => Ok(None),
            [h] => Ok(Some(*h)),
            _ => Err(Error::ProviderFailed("pkcs11: several Ed25519 private keys on the token share a CKA_ID".into())),
        }
    }
}

/// The Ed25519 public key of the public key object `h`: its `CKA_EC_PARAMS` must name Ed25519 and its
/// `CKA_EC_POINT` hold 32 bytes, raw or as a DER OCTET STRING (`04 20 …`, as PKCS#11 2.40 tokens return it).
fn read_ed25519_public(s: &Session, h: ObjectHandle) -> Result<VerifyingKey> {
    let attrs = s
        .get_attributes(h, &[AttributeType::EcParams, AttributeType::EcPoint])
        .map_err(|e| classify("C_GetAttributeValue", &e))?;
    let (mut params, mut point) = (None, None);
    for a in attrs {
        match a {
            Attribute::EcParams(p) => params = Some(p),
            Attribute::EcPoint(p) => point = Some(p),
            _ => {}
        }
    }
    // PKCS#11 3.0 also lets the curve be named by the printable string "edwards25519".
    let ed25519 = matches!(params.as_deref(), Some(p) if p == ED25519_EC_PARAMS || p == b"\x13\x0cedwards25519");
    let point = point.unwrap_or_default();
    let raw = match point.as_slice() {
        [0x04, 0x20, rest @ ..] if rest.len() == ED25519_PUBLIC_LEN => rest,
        p if p.len() == ED25519_PUBLIC_LEN => p,
        _ => &[][..],
    };
    if !ed25519 || raw.is_empty() {
        return Err(Error::ProviderFailed("pkcs11: not an Ed25519 public key".into()));
    }
    let mut b = [0u8; ED25519_PUBLIC_LEN];
    b.copy_from_slice(raw);
    VerifyingKey::from_bytes(b)
}

impl KeyProvider for Pkcs11Provider {
    fn name(&self) -> &str {
        "pkcs11"
    }

    fn stanza_kind(&self) -> StanzaKind {
        StanzaKind::Pkcs11AesGcm
    }

    fn holds(&self, key_id: &KeyId) -> Result<bool> {
        self.with_session(|s| Ok(self.handle(s, key_id)?.is_some()))
    }

    fn wrap(&self, key_id: &KeyId, data_key: &[u8; KEY_LEN], aad: &[u8]) -> Result<Vec<u8>> {
        let mut iv = [0u8; GCM_IV_LEN];
        random_bytes(&mut iv)?;
        let sealed = self.with_session(|s| {
            let h = self.handle(s, key_id)?.ok_or(Error::KeyNotFound(*key_id))?;
            let mut iv_param = iv;
            let params = GcmParams::new(&mut iv_param, aad, TAG_BITS.into())
                .map_err(|e| Error::ProviderFailed(format!("pkcs11: GCM parameters: {e}")))?;
            s.encrypt(&Mechanism::AesGcm(params), h, data_key).map_err(|e| classify("C_Encrypt (AES-GCM)", &e))
        })?;
        if sealed.len() != KEY_LEN + GCM_TAG_LEN {
            return Err(Error::ProviderFailed(format!("pkcs11: AES-GCM returned {} bytes, not 48", sealed.len())));
        }
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn unwrap(&self, key_id: &KeyId, wrapped: &[u8], aad: &[u8]) -> Result<Unwrapped> {
        if wrapped.len() != WRAPPED_LEN {
            return Err(Error::OpenFailed);
        }
        let (iv, ct) = wrapped.split_at(GCM_IV_LEN);
        self.with_session(|s| {
            let Some(h) = self.handle(s, key_id)? else { return Ok(Unwrapped::NotMine) };
            let mut iv_param = [0u8; GCM_IV_LEN];
            iv_param.copy_from_slice(iv);
            let params = GcmParams::new(&mut iv_param, aad, TAG_BITS.into())
                .map_err(|e| Error::ProviderFailed(format!("pkcs11: GCM parameters: {e}")))?;
            let plain = Zeroizing::new(match s.decrypt(&Mechanism::AesGcm(params), h, ct) {
                Ok(p) => p,
                // The tag did not verify: tampered bytes, other terms (AAD), or another key's stanza. The standard
                // says CKR_ENCRYPTED_DATA_INVALID; SoftHSM2 (2.6) reports a GCM tag mismatch as CKR_GENERAL_ERROR.
                Err(CkError::Pkcs11(
                    RvError::EncryptedDataInvalid | RvError::EncryptedDataLenRange | RvError::GeneralError,
                    _,
                )) => {
                    return Err(Error::OpenFailed);
                }
                Err(e) => return Err(classify("C_Decrypt (AES-GCM)", &e)),
            });
            if plain.len() != KEY_LEN {
                return Err(Error::OpenFailed);
            }
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            key.copy_from_slice(&plain);
            Ok(Unwrapped::Key(key))
        })
    }
}
