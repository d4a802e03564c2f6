//! The generator's view of a product: Rust types, fields and operations
//! derived from a [`Spec`], before any code is written.
//!
//! Everything here is deterministic: specs use sorted maps, parameters keep
//! their upstream order, and names are chosen in traversal order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::names::{self, RESERVED_TYPES};
use crate::spec::{
    ApiStyle, Location, Operation, OperationType, ParamStyle, Parameter, RequestBody, Schema,
    SchemaType, Spec,
};

/// A generated crate and the spec it comes from.
#[derive(Debug, Clone, Copy)]
pub struct ProductInfo {
    /// Directory under `crates/` and name of `openapi-specs/<spec>.json`.
    pub dir: &'static str,
    /// Cargo package name.
    pub package: &'static str,
    /// Library (crate) name.
    pub lib: &'static str,
    /// Name of the `ServiceInfo` static in `alibabacloud_core::generated::endpoints`.
    pub static_name: &'static str,
    /// Host prefix of the default endpoint rule.
    pub endpoint_prefix: &'static str,
    /// What the product is, in a few words of ours.
    pub title: &'static str,
}

/// The nine products.
pub const PRODUCTS: &[ProductInfo] = &[
    ProductInfo {
        dir: "ecs",
        package: "alibabacloud-ecs",
        lib: "alibabacloud_ecs",
        static_name: "ECS",
        endpoint_prefix: "ecs",
        title: "Elastic Compute Service (ECS)",
    },
    ProductInfo {
        dir: "vpc",
        package: "alibabacloud-vpc",
        lib: "alibabacloud_vpc",
        static_name: "VPC",
        endpoint_prefix: "vpc",
        title: "Virtual Private Cloud (VPC)",
    },
    ProductInfo {
        dir: "fc",
        package: "alibabacloud-fc",
        lib: "alibabacloud_fc",
        static_name: "FC",
        endpoint_prefix: "fcv3",
        title: "Function Compute 3.0 (FC)",
    },
    ProductInfo {
        dir: "ack",
        package: "alibabacloud-ack",
        lib: "alibabacloud_ack",
        static_name: "ACK",
        endpoint_prefix: "cs",
        title: "Container Service for Kubernetes (ACK, API name CS)",
    },
    ProductInfo {
        dir: "pai-dlc",
        package: "alibabacloud-pai-dlc",
        lib: "alibabacloud_pai_dlc",
        static_name: "PAI_DLC",
        endpoint_prefix: "pai-dlc",
        title: "PAI Deep Learning Containers (DLC)",
    },
    ProductInfo {
        dir: "eas",
        package: "alibabacloud-eas",
        lib: "alibabacloud_eas",
        static_name: "EAS",
        endpoint_prefix: "pai-eas",
        title: "PAI Elastic Algorithm Service (EAS)",
    },
    ProductInfo {
        dir: "aiworkspace",
        package: "alibabacloud-aiworkspace",
        lib: "alibabacloud_aiworkspace",
        static_name: "AIWORKSPACE",
        endpoint_prefix: "aiworkspace",
        title: "PAI AI Workspace",
    },
    ProductInfo {
        dir: "sysom",
        package: "alibabacloud-sysom",
        lib: "alibabacloud_sysom",
        static_name: "SYSOM",
        endpoint_prefix: "sysom",
        title: "SysOM (operating system diagnosis)",
    },
    ProductInfo {
        dir: "bss",
        package: "alibabacloud-bss",
        lib: "alibabacloud_bss",
        static_name: "BSS",
        endpoint_prefix: "business",
        title: "billing and cost management (BSS OpenAPI)",
    },
];

// ---------------------------------------------------------------------------
// Types

/// Where a generated type lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypePath {
    /// In the crate's shared `types` module (else in the operation's module).
    pub shared: bool,
    /// The type name.
    pub name: String,
}

/// A Rust type of a field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    /// `String`
    Str,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f64`
    F64,
    /// `bool`
    Bool,
    /// `Vec<u8>` (raw bytes)
    Bytes,
    /// `serde_json::Value` (`any`, free-form objects)
    Json,
    /// A generated string enum.
    Enum(TypePath),
    /// A generated struct.
    Struct(TypePath),
    /// `Vec<T>`
    List(Box<Ty>),
    /// `BTreeMap<String, T>`
    Map(Box<Ty>),
}

impl Ty {
    /// Lenient scalar read (strings, numbers, booleans).
    pub fn is_scalar(&self) -> bool {
        matches!(self, Ty::Str | Ty::I32 | Ty::I64 | Ty::F64 | Ty::Bool)
    }

    /// Short description for rustdoc.
    pub fn describe(&self) -> String {
        match self {
            Ty::Str => "string".into(),
            Ty::I32 => "integer (int32)".into(),
            Ty::I64 => "integer (int64)".into(),
            Ty::F64 => "number".into(),
            Ty::Bool => "boolean".into(),
            Ty::Bytes => "bytes".into(),
            Ty::Json => "any JSON value".into(),
            Ty::Enum(p) => format!("string enum `{}`", p.name),
            Ty::Struct(p) => format!("object `{}`", p.name),
            Ty::List(t) => format!("list of {}", t.describe()),
            Ty::Map(t) => format!("map of string to {}", t.describe()),
        }
    }
}

/// One field of a generated struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name on the wire.
    pub wire: String,
    /// Rust field name.
    pub ident: String,
    /// Rust type (without the `Option` around it).
    pub ty: Ty,
    /// For a list that RPC wraps in an object (`{"Instance": [...]}`): the
    /// inner key.
    pub wrapped: Option<String>,
    /// The member must be present (documentation only for nested members).
    pub required: bool,
    /// Deprecated upstream.
    pub deprecated: bool,
    /// The schema it comes from (for docs and examples).
    pub schema: Schema,
}

/// A generated struct.
#[derive(Debug, Clone)]
pub struct StructDef {
    /// Type name.
    pub name: String,
    /// Fields, sorted by wire name.
    pub fields: Vec<Field>,
    /// Sent to the server (gets `Serialize` and `with_` setters).
    pub input: bool,
    /// Received from the server (gets `Deserialize`, wire `Serialize` and accessors).
    pub output: bool,
    /// Where the type is used, for rustdoc (`DescribeInstances` response, ...).
    pub origin: String,
}

/// A generated string enum.
#[derive(Debug, Clone)]
pub struct EnumDef {
    /// Type name.
    pub name: String,
    /// (variant, wire value) pairs, in spec order.
    pub variants: Vec<(String, String)>,
    /// Where the type is used, for rustdoc.
    pub origin: String,
}

/// A generated type.
#[derive(Debug, Clone)]
pub enum TypeDef {
    /// A struct.
    Struct(StructDef),
    /// An enum.
    Enum(EnumDef),
}

impl TypeDef {
    /// The type's name.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.name,
            TypeDef::Enum(e) => &e.name,
        }
    }
}

/// The types of one module, with their names reserved.
#[derive(Debug, Default, Clone)]
pub struct TypeSet {
    /// Definitions in creation order (parents before children).
    pub defs: Vec<TypeDef>,
    /// name → (dedup key, index in `defs`); key `""` marks a reserved name.
    by_name: HashMap<String, (String, usize)>,
}

impl TypeSet {
    /// Marks `name` as taken by something other than a generated type.
    pub fn reserve(&mut self, name: &str) {
        self.by_name
            .insert(name.to_owned(), (String::new(), usize::MAX));
    }

    fn lookup(&self, name: &str) -> Option<&(String, usize)> {
        self.by_name.get(name)
    }

    /// The definition of a type in this set.
    pub fn get(&self, name: &str) -> Option<&TypeDef> {
        self.by_name.get(name).and_then(|(_, i)| self.defs.get(*i))
    }
}

/// Direction of a type: what the generated code does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Serialized into a request.
    In,
    /// Parsed from a response.
    Out,
}

/// Builds types into one [`TypeSet`].
#[derive(Debug)]
pub struct TypeBuilder<'a> {
    /// The product spec (for `ref`s).
    pub spec: &'a Spec,
    /// Names of the shared types: schema name → Rust name.
    pub shared: &'a BTreeMap<String, String>,
    /// Whether types built here are the shared ones.
    pub building_shared: bool,
    /// Where new types go.
    pub set: &'a mut TypeSet,
    /// Unwrap RPC single-key list wrappers in output types.
    pub unwrap_lists: bool,
    /// Rustdoc origin of the types built.
    pub origin: String,
    /// Request types are named `<Op><Name>` (users name them when building
    /// requests, and they must not be mistaken for response types).
    pub input_prefix: String,
}

fn canonical(schema: &Schema) -> String {
    serde_json::to_string(schema).expect("schemas serialize")
}

/// The member of a single-key wrapper object (`{"Instance": [...]}`), when
/// `schema` is one and the product uses them.
fn wrapper_inner<'s>(schema: &'s Schema, wire: &str, rpc: bool) -> Option<(&'s str, &'s Schema)> {
    if schema.ty != Some(SchemaType::Object)
        || schema.properties.len() != 1
        || schema.additional_properties.is_some()
    {
        return None;
    }
    let (inner, items) = schema.properties.iter().next()?;
    if items.ty != Some(SchemaType::Array) {
        return None;
    }
    // ROA products only use the wrapper where the outer name is the plural
    // of the inner one (ACK `tag_resources: {tag_resource: [...]}`); other
    // single-member objects there are real objects.
    let plural_of_inner = wire
        .to_ascii_lowercase()
        .starts_with(&inner.to_ascii_lowercase())
        && wire.len() > inner.len();
    (rpc || plural_of_inner).then_some((inner.as_str(), items))
}

impl TypeBuilder<'_> {
    /// The Rust type for `schema`, creating named types as needed.
    /// `hint` is the preferred type name, `parent` the enclosing type's
    /// name (used to disambiguate).
    pub fn ty(&mut self, schema: &Schema, hint: &str, parent: &str, dir: Dir) -> Ty {
        if let Some(reference) = &schema.reference {
            let target = self
                .spec
                .schema(reference)
                .unwrap_or_else(|| panic!("unresolved ref {reference}"));
            if let Some(name) = self.shared.get(reference) {
                return Ty::Struct(TypePath {
                    shared: true,
                    name: name.clone(),
                });
            }
            let target = target.clone();
            return self.ty(&target, hint, parent, dir);
        }
        match schema.ty.unwrap_or(SchemaType::Any) {
            SchemaType::String if schema.is_binary() => Ty::Bytes,
            SchemaType::String if !schema.enum_values.is_empty() => {
                self.enum_ty(schema, hint, parent)
            }
            SchemaType::String => Ty::Str,
            SchemaType::Integer => match schema.format.as_deref() {
                Some("int32") => Ty::I32,
                _ => Ty::I64,
            },
            SchemaType::Number => Ty::F64,
            SchemaType::Boolean => Ty::Bool,
            SchemaType::Any => Ty::Json,
            SchemaType::Array => {
                let items = schema.items.as_deref().cloned().unwrap_or_default();
                let item_hint = names::item_type_name(hint);
                Ty::List(Box::new(self.ty(&items, &item_hint, parent, dir)))
            }
            SchemaType::Object => {
                if !schema.properties.is_empty() {
                    self.struct_ty(schema, hint, parent, dir)
                } else if let Some(values) = &schema.additional_properties {
                    let value_hint = format!("{}Value", names::pascal(hint));
                    Ty::Map(Box::new(self.ty(values, &value_hint, parent, dir)))
                } else {
                    Ty::Json
                }
            }
        }
    }

    fn candidates(&self, hint: &str, parent: &str, dir: Dir) -> impl Iterator<Item = String> {
        let base = names::pascal(hint);
        let prefixed = format!("{}{}", parent, base);
        let mut list = if dir == Dir::In && !self.input_prefix.is_empty() {
            let op = format!("{}{}", self.input_prefix, base);
            if base.starts_with(&self.input_prefix) {
                vec![base.clone(), prefixed.clone()]
            } else {
                vec![op, prefixed.clone()]
            }
        } else {
            vec![base, prefixed.clone()]
        };
        list.extend((2..).take(50).map(move |i| format!("{prefixed}{i}")));
        list.into_iter()
    }

    /// Finds or allocates a name for a type with dedup key `key`: returns
    /// the name and whether the type already exists.
    fn allocate(&mut self, key: &str, hint: &str, parent: &str, dir: Dir) -> (String, bool) {
        for name in self.candidates(hint, parent, dir) {
            if RESERVED_TYPES.contains(&name.as_str()) {
                continue;
            }
            if !self.building_shared && self.shared.values().any(|n| *n == name) {
                // Keep op-local names distinct from shared ones for clarity.
                continue;
            }
            match self.set.lookup(&name) {
                Some((k, _)) if k == key => return (name, true),
                Some(_) => continue,
                None => return (name, false),
            }
        }
        panic!("no free type name for {hint} in {parent}");
    }

    fn enum_ty(&mut self, schema: &Schema, hint: &str, parent: &str) -> Ty {
        let key = format!("enum|{}", schema.enum_values.join("|"));
        let (name, exists) = self.allocate(&key, hint, parent, Dir::Out);
        if !exists {
            let mut variants: Vec<(String, String)> = Vec::new();
            let mut used = BTreeSet::new();
            used.insert("Unknown".to_owned());
            for value in &schema.enum_values {
                if variants.iter().any(|(_, w)| w == value) {
                    continue;
                }
                let mut variant = names::pascal(value);
                let mut n = 2;
                while used.contains(&variant) {
                    variant = format!("{}{n}", names::pascal(value));
                    n += 1;
                }
                used.insert(variant.clone());
                variants.push((variant, value.clone()));
            }
            let index = self.set.defs.len();
            self.set.defs.push(TypeDef::Enum(EnumDef {
                name: name.clone(),
                variants,
                origin: self.origin.clone(),
            }));
            self.set.by_name.insert(name.clone(), (key, index));
        }
        Ty::Enum(TypePath {
            shared: self.building_shared,
            name,
        })
    }

    fn struct_ty(&mut self, schema: &Schema, hint: &str, parent: &str, dir: Dir) -> Ty {
        let key = format!("{dir:?}|{}", canonical(schema));
        let (name, exists) = self.allocate(&key, hint, parent, dir);
        if !exists {
            let index = self.set.defs.len();
            // Reserve first: nested types are created while the fields are built.
            self.set.defs.push(TypeDef::Struct(StructDef {
                name: name.clone(),
                fields: Vec::new(),
                input: dir == Dir::In,
                output: dir == Dir::Out,
                origin: self.origin.clone(),
            }));
            self.set.by_name.insert(name.clone(), (key, index));
            let fields = self.fields(schema, &name, dir);
            if let TypeDef::Struct(def) = &mut self.set.defs[index] {
                def.fields = fields;
            }
        }
        Ty::Struct(TypePath {
            shared: self.building_shared,
            name,
        })
    }

    /// The fields of an object schema (members sorted by wire name).
    pub fn fields(&mut self, schema: &Schema, owner: &str, dir: Dir) -> Vec<Field> {
        let mut fields = Vec::new();
        let mut idents = BTreeSet::new();
        for (wire, member) in &schema.properties {
            let mut ident = names::field_ident(wire);
            let base = ident.clone();
            let mut n = 2;
            while !idents.insert(ident.clone()) {
                ident = format!("{base}_{n}");
                n += 1;
            }
            let resolved = self.spec.resolve(member);
            let unwrap = self.unwrap_lists && dir == Dir::Out && member.reference.is_none();
            let (ty, wrapped) =
                match wrapper_inner(resolved, wire, self.unwrap_lists_rpc()).filter(|_| unwrap) {
                    Some((inner, list)) => {
                        let items = list.items.as_deref().cloned().unwrap_or_default();
                        let item_hint = inner
                            .strip_suffix("List")
                            .filter(|s| !s.is_empty())
                            .unwrap_or(inner);
                        let item = self.ty(&items, item_hint, owner, dir);
                        (Ty::List(Box::new(item)), Some(inner.to_owned()))
                    }
                    None => (self.ty(member, wire, owner, dir), None),
                };
            fields.push(Field {
                wire: wire.clone(),
                ident,
                ty,
                wrapped,
                required: member.required,
                deprecated: member.deprecated,
                schema: member.clone(),
            });
        }
        fields
    }

    fn unwrap_lists_rpc(&self) -> bool {
        self.spec.style == ApiStyle::Rpc
    }
}

// ---------------------------------------------------------------------------
// Shared types

/// Builds the crate's shared types (the spec's named schemas).
pub fn shared_types(spec: &Spec) -> (BTreeMap<String, String>, TypeSet) {
    let mut names_map = BTreeMap::new();
    let mut set = TypeSet::default();
    let mut taken = BTreeSet::new();
    for name in spec.schemas.keys() {
        let mut rust = names::pascal(name);
        if RESERVED_TYPES.contains(&rust.as_str()) || rust.ends_with("Builder") {
            rust.push_str("Schema");
        }
        while !taken.insert(rust.clone()) {
            rust.push('2');
        }
        names_map.insert(name.clone(), rust);
    }
    for rust in names_map.values() {
        set.reserve(rust);
    }
    let usage = shared_usage(spec);
    for (name, schema) in &spec.schemas {
        let rust = names_map[name].clone();
        let (input, _) = usage.get(name).copied().unwrap_or((false, true));
        let index = set.defs.len();
        set.defs.push(TypeDef::Struct(StructDef {
            name: rust.clone(),
            fields: Vec::new(),
            input,
            output: true,
            origin: format!("named schema `{name}`"),
        }));
        set.by_name
            .insert(rust.clone(), (format!("shared|{name}"), index));
        let mut builder = TypeBuilder {
            spec,
            shared: &names_map,
            building_shared: true,
            set: &mut set,
            unwrap_lists: false,
            origin: format!("named schema `{name}`"),
            input_prefix: String::new(),
        };
        // Shared types are built in the output direction (lenient parsing,
        // accessors); those used in requests also get setters.
        let fields = builder.fields(schema, &rust, Dir::Out);
        if let TypeDef::Struct(def) = &mut set.defs[index] {
            def.fields = fields;
            // Every shared type can be parsed: they refer to each other, and
            // an unused `Deserialize` costs only type checking.
            def.input = input;
            def.output = true;
        }
    }
    // Nested types of shared types follow their parent's usage.
    let parents: Vec<(String, bool)> = set
        .defs
        .iter()
        .filter_map(|d| match d {
            TypeDef::Struct(s) => Some((s.name.clone(), s.input)),
            TypeDef::Enum(_) => None,
        })
        .collect();
    let inputs: BTreeSet<String> = shared_input_closure(&set, &parents);
    for def in &mut set.defs {
        if let TypeDef::Struct(s) = def {
            if inputs.contains(&s.name) {
                s.input = true;
            }
        }
    }
    (names_map, set)
}

/// Every struct reachable from an input struct is an input struct too.
fn shared_input_closure(set: &TypeSet, parents: &[(String, bool)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<String> = parents
        .iter()
        .filter(|(_, input)| *input)
        .map(|(n, _)| n.clone())
        .collect();
    while let Some(name) = stack.pop() {
        if !out.insert(name.clone()) {
            continue;
        }
        if let Some(TypeDef::Struct(s)) = set.get(&name) {
            for f in &s.fields {
                collect_structs(&f.ty, &mut |p| {
                    if p.shared {
                        stack.push(p.name.clone());
                    }
                });
            }
        }
    }
    out
}

/// Calls `f` for every struct or enum named inside `ty`.
pub fn collect_types(ty: &Ty, f: &mut impl FnMut(&TypePath)) {
    match ty {
        Ty::Struct(p) | Ty::Enum(p) => f(p),
        Ty::List(t) | Ty::Map(t) => collect_types(t, f),
        _ => {}
    }
}

/// Calls `f` for every struct named inside `ty`.
pub fn collect_structs(ty: &Ty, f: &mut impl FnMut(&TypePath)) {
    match ty {
        Ty::Struct(p) => f(p),
        Ty::List(t) | Ty::Map(t) => collect_structs(t, f),
        _ => {}
    }
}

/// For each named schema: (used in requests, used in responses).
fn shared_usage(spec: &Spec) -> BTreeMap<String, (bool, bool)> {
    fn refs(spec: &Spec, schema: &Schema, out: &mut BTreeSet<String>) {
        let mut direct = Vec::new();
        schema.walk(&mut |s| {
            if let Some(r) = &s.reference {
                direct.push(r.clone());
            }
        });
        for r in direct {
            if out.insert(r.clone()) {
                if let Some(target) = spec.schema(&r) {
                    refs(spec, target, out);
                }
            }
        }
    }
    let mut usage: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for op in spec.operations.values() {
        let mut input = BTreeSet::new();
        for p in &op.parameters {
            refs(spec, &p.schema, &mut input);
        }
        for r in input {
            usage.entry(r).or_default().0 = true;
        }
        let mut output = BTreeSet::new();
        if let Some(schema) = op.response.as_ref().and_then(|r| r.schema.as_ref()) {
            refs(spec, schema, &mut output);
        }
        for r in output {
            usage.entry(r).or_default().1 = true;
        }
    }
    usage
}

// ---------------------------------------------------------------------------
// Operations

/// Where an input field goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Query string.
    Query,
    /// RPC form body.
    Form,
    /// Path placeholder.
    Path,
    /// Header.
    Header,
    /// The whole body (raw, bytes, JSON list/ref/free object).
    Body,
    /// A member of an object body (field of the `<Op>Body` struct).
    BodyMember,
}

impl Place {
    /// As written in rustdoc.
    pub fn describe(self) -> &'static str {
        match self {
            Place::Query => "query",
            Place::Form => "form body",
            Place::Path => "path",
            Place::Header => "header",
            Place::Body => "body",
            Place::BodyMember => "JSON body member",
        }
    }
}

/// One input field of an operation (a builder setter).
#[derive(Debug, Clone)]
pub struct InField {
    /// The field (wire name, Rust name and type).
    pub field: Field,
    /// Where it goes.
    pub place: Place,
    /// Serialization style.
    pub style: Option<ParamStyle>,
    /// Builder setter name.
    pub setter: String,
    /// Builder single-item appender, for lists.
    pub adder: Option<String>,
    /// Wire names of the parameters folded into this field (ECS
    /// `SystemDisk.Category`, `Filter.1.Key`), for rustdoc.
    pub folded: Vec<String>,
    /// Required members of a folded group: (wire name, member field).
    pub required_members: Vec<(String, String)>,
    /// This is the operation's idempotency token (`ClientToken`).
    pub client_token: bool,
}

/// What the operation returns.
#[derive(Debug, Clone)]
pub enum OutputKind {
    /// Unknown or absent shape: `de::UntypedOutput`.
    Untyped,
    /// Text: `de::TextOutput`.
    Text,
    /// Bytes: `de::BytesOutput`.
    Bytes,
    /// A generated struct `<Op>Output` (first type of the op's set).
    Struct,
    /// A shared type, aliased as `<Op>Output`.
    Alias(TypePath),
    /// A bare JSON array: `<Op>Output { items }`.
    List(Ty),
    /// A JSON object used as a map: `<Op>Output { entries }`.
    Map(Ty),
}

/// A step to a field of the output, for paging accessors.
#[derive(Debug, Clone)]
pub struct PathStep {
    /// Field name.
    pub ident: String,
}

/// How an operation pages.
#[derive(Debug, Clone)]
pub enum PagingKind {
    /// `PageNumber` / `PageSize`.
    Number {
        /// Input field of the page number, and its type.
        number: (String, Ty),
        /// Input field of the page size, and its type.
        size: (String, Ty),
        /// Output path to the total count (integer), if any.
        total: Option<(Vec<PathStep>, Ty)>,
        /// Output path to the echoed page size (integer), if any.
        echoed_size: Option<(Vec<PathStep>, Ty)>,
    },
    /// `NextToken` (+ `MaxResults`).
    Token {
        /// Input field of the token.
        token: String,
        /// Input field of the page size, and its type, if any.
        max: Option<(String, Ty)>,
        /// Output path to the next token.
        next: Vec<PathStep>,
    },
}

/// Paging of an operation.
#[derive(Debug, Clone)]
pub struct Paging {
    /// The scheme.
    pub kind: PagingKind,
    /// Output path to the item list.
    pub items: Vec<PathStep>,
    /// Item type.
    pub item: Ty,
}

/// One operation, ready to be written.
#[derive(Debug, Clone)]
pub struct Op {
    /// Action name (`DescribeInstances`).
    pub name: String,
    /// Module and client method name (`describe_instances`).
    pub snake: String,
    /// The spec operation.
    pub spec: Operation,
    /// Input fields in upstream order (body members where the body was).
    pub input: Vec<InField>,
    /// Fields of the `<Op>Body` struct, when the body is an object with members.
    pub body_struct: Option<String>,
    /// What is returned.
    pub output: OutputKind,
    /// Operation-local types (output struct first when there is one).
    pub types: TypeSet,
    /// Paging, when the operation pages.
    pub paging: Option<Paging>,
    /// Reads only (safe to retry).
    pub read_only: bool,
}

impl Op {
    /// `<Op>Input`
    pub fn input_name(&self) -> String {
        format!("{}Input", self.name)
    }
    /// `<Op>Output`
    pub fn output_name(&self) -> String {
        format!("{}Output", self.name)
    }
    /// `<Op>Builder`
    pub fn builder_name(&self) -> String {
        format!("{}Builder", self.name)
    }
    /// `<Op>Body`
    pub fn body_name(&self) -> String {
        format!("{}Body", self.name)
    }
    /// Whether the operation has an idempotency token.
    pub fn client_token(&self) -> Option<&InField> {
        self.input.iter().find(|f| f.client_token)
    }
}

/// A product with every operation modelled.
#[derive(Debug)]
pub struct Product {
    /// Static facts.
    pub info: ProductInfo,
    /// The spec.
    pub spec: Spec,
    /// Shared types (named schemas).
    pub shared: TypeSet,
    /// Schema name → Rust name of shared types.
    pub shared_names: BTreeMap<String, String>,
    /// Operations by action name.
    pub ops: Vec<Op>,
}

/// Models a product.
pub fn product(info: ProductInfo, spec: Spec) -> Result<Product, String> {
    let (shared_names, shared) = shared_types(&spec);
    let mut ops = Vec::new();
    for (name, operation) in &spec.operations {
        ops.push(
            operation_model(&spec, &shared_names, &shared, name, operation)
                .map_err(|e| format!("{}: {name}: {e}", info.dir))?,
        );
    }
    // A shared output type can implement `Page` only once.
    let mut paged_aliases = BTreeSet::new();
    for op in &mut ops {
        if let (OutputKind::Alias(path), Some(_)) = (&op.output, &op.paging) {
            if !paged_aliases.insert(path.name.clone()) {
                op.paging = None;
            }
        }
    }
    Ok(Product {
        info,
        spec,
        shared,
        shared_names,
        ops,
    })
}

fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Folds RPC parameters with dotted names into one parameter each:
/// `SystemDisk` (flat) + `SystemDisk.Category` → one `SystemDisk` object;
/// `Filter.1.Key`, `Filter.2.Value` → a `Filter` list of objects;
/// `AddGroup.1` → a `AddGroup` list of scalars. Returns the parameters and,
/// for folded ones, the wire names they came from.
fn fold_parameters(params: &[Parameter]) -> Result<Vec<(Parameter, Vec<String>)>, String> {
    #[derive(Default)]
    struct Group {
        members: BTreeMap<String, Schema>,
        indexed_members: BTreeMap<String, Schema>,
        scalar_items: Option<Schema>,
        max_index: u64,
        wire: Vec<String>,
        location: Option<Location>,
        first: usize,
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (index, p) in params.iter().enumerate() {
        let Some((prefix, rest)) = p.name.split_once('.') else {
            continue;
        };
        let group = groups.entry(prefix.to_owned()).or_insert_with(|| Group {
            first: index,
            ..Group::default()
        });
        group.wire.push(p.name.clone());
        if group.location.is_some_and(|l| l != p.location) {
            return Err(format!("{} mixes locations", p.name));
        }
        group.location = Some(p.location);
        let parts: Vec<&str> = rest.split('.').collect();
        let mut member = p.schema.clone();
        member.required = p.required;
        match parts.as_slice() {
            [n] if n.parse::<u64>().is_ok() => {
                group.max_index = group.max_index.max(n.parse().unwrap_or(0));
                member.required = false;
                group.scalar_items = Some(member);
            }
            [n, key] if n.parse::<u64>().is_ok() => {
                group.max_index = group.max_index.max(n.parse().unwrap_or(0));
                member.required = false;
                group.indexed_members.insert((*key).to_owned(), member);
            }
            [key] => {
                group.members.insert((*key).to_owned(), member);
            }
            _ => return Err(format!("cannot fold parameter {}", p.name)),
        }
    }
    let mut out: Vec<(usize, Parameter, Vec<String>)> = Vec::new();
    let mut consumed = BTreeSet::new();
    for (index, p) in params.iter().enumerate() {
        if p.name.contains('.') {
            continue;
        }
        if let Some(group) = groups.get_mut(&p.name) {
            // A plain parameter of the same name: merge the dotted members in.
            consumed.insert(p.name.clone());
            let mut merged = p.clone();
            let target = match merged.schema.ty {
                Some(SchemaType::Object) => &mut merged.schema,
                Some(SchemaType::Array) => merged
                    .schema
                    .items
                    .as_deref_mut()
                    .ok_or("array without items")?,
                _ => return Err(format!("{} is neither object nor list", p.name)),
            };
            let extra = if group.indexed_members.is_empty() {
                std::mem::take(&mut group.members)
            } else {
                std::mem::take(&mut group.indexed_members)
            };
            for (k, v) in extra {
                target.properties.entry(k).or_insert(v);
            }
            let mut wire = vec![p.name.clone()];
            wire.append(&mut group.wire);
            out.push((index, merged, wire));
        } else {
            out.push((index, p.clone(), Vec::new()));
        }
    }
    for (prefix, group) in groups {
        if consumed.contains(&prefix) {
            continue;
        }
        let location = group.location.unwrap_or(Location::Query);
        let (schema, style) = if !group.indexed_members.is_empty() {
            let item = Schema {
                ty: Some(SchemaType::Object),
                properties: group.indexed_members,
                ..Schema::default()
            };
            let list = Schema {
                ty: Some(SchemaType::Array),
                items: Some(Box::new(item)),
                max_items: Some(group.max_index),
                ..Schema::default()
            };
            (list, ParamStyle::RepeatList)
        } else if let Some(item) = group.scalar_items {
            let list = Schema {
                ty: Some(SchemaType::Array),
                items: Some(Box::new(item)),
                max_items: Some(group.max_index),
                ..Schema::default()
            };
            (list, ParamStyle::RepeatList)
        } else {
            let object = Schema {
                ty: Some(SchemaType::Object),
                properties: group.members,
                ..Schema::default()
            };
            (object, ParamStyle::Flat)
        };
        out.push((
            group.first,
            Parameter {
                name: prefix,
                location,
                style: Some(style),
                required: false,
                schema,
            },
            group.wire,
        ));
    }
    out.sort_by_key(|(i, _, _)| *i);
    Ok(out.into_iter().map(|(_, p, w)| (p, w)).collect())
}

/// Methods every builder has; a parameter setter must not take these names.
const BUILDER_METHODS: &[&str] = &[
    "send",
    "call_options",
    "into_paginator",
    "as_input",
    "with_input",
];

fn is_read_only(name: &str, operation: &Operation) -> bool {
    match operation.operation_type {
        Some(OperationType::Get | OperationType::List) => true,
        Some(OperationType::Create | OperationType::Update | OperationType::Delete) => false,
        Some(OperationType::None) | None => {
            ["Describe", "List", "Get", "Query", "Search", "Count"]
                .iter()
                .any(|p| name.starts_with(p))
                && operation.method != crate::spec::HttpMethod::Delete
        }
    }
}

fn operation_model(
    spec: &Spec,
    shared: &BTreeMap<String, String>,
    shared_set: &TypeSet,
    name: &str,
    operation: &Operation,
) -> Result<Op, String> {
    let mut types = TypeSet::default();
    for reserved in ["Input", "Output", "Builder", "Body"] {
        types.reserve(&format!("{name}{reserved}"));
    }
    let output = output_model(spec, shared, name, operation, &mut types);

    let rpc = spec.style == ApiStyle::Rpc;
    let params = if rpc {
        fold_parameters(&operation.parameters)?
    } else {
        operation
            .parameters
            .iter()
            .map(|p| (p.clone(), Vec::new()))
            .collect()
    };
    {
        let mut seen = BTreeSet::new();
        for (p, _) in &params {
            if !seen.insert((p.name.clone(), p.location.describe_key())) {
                return Err(format!("duplicate parameter {}", p.name));
            }
        }
    }
    let mut input = Vec::new();
    let mut body_struct = None;
    let mut builder = TypeBuilder {
        spec,
        shared,
        building_shared: false,
        set: &mut types,
        unwrap_lists: false,
        origin: format!("`{name}` request"),
        input_prefix: name.to_owned(),
    };
    for (p, folded) in &params {
        let place = match p.location {
            Location::Query => Place::Query,
            Location::FormData => Place::Form,
            Location::Path => Place::Path,
            Location::Header => Place::Header,
            Location::Body => Place::Body,
        };
        let body_object = place == Place::Body
            && p.schema.reference.is_none()
            && p.schema.ty == Some(SchemaType::Object)
            && !p.schema.properties.is_empty();
        if body_object {
            let body_name = format!("{name}Body");
            let fields = builder.fields(&p.schema, name, Dir::In);
            for field in fields {
                input.push(InField {
                    client_token: norm(&field.wire) == "clienttoken" && field.ty == Ty::Str,
                    field,
                    place: Place::BodyMember,
                    style: None,
                    setter: String::new(),
                    adder: None,
                    folded: Vec::new(),
                    required_members: Vec::new(),
                });
            }
            body_struct = Some(body_name);
            continue;
        }
        let hint = p.name.clone();
        let ty = if place == Place::Body && operation.request_body == RequestBody::Raw {
            Ty::Str
        } else {
            builder.ty(&p.schema, &hint, name, Dir::In)
        };
        let mut required_members = Vec::new();
        if !folded.is_empty() {
            let members = match p.schema.ty {
                Some(SchemaType::Array) => p
                    .schema
                    .items
                    .as_ref()
                    .map(|i| i.properties.clone())
                    .unwrap_or_default(),
                _ => p.schema.properties.clone(),
            };
            for (member, schema) in members {
                if schema.required {
                    required_members
                        .push((format!("{}.{member}", p.name), names::field_ident(&member)));
                }
            }
        }
        input.push(InField {
            client_token: norm(&p.name) == "clienttoken" && ty == Ty::Str,
            field: Field {
                wire: p.name.clone(),
                ident: names::field_ident(&p.name),
                ty,
                wrapped: None,
                required: p.required || place == Place::Path,
                deprecated: p.schema.deprecated,
                schema: p.schema.clone(),
            },
            place,
            style: p.style,
            setter: String::new(),
            adder: None,
            folded: folded.clone(),
            required_members,
        });
    }
    // Names: fields unique among top-level inputs, body members unique among
    // themselves (they live in the body struct); setters unique overall.
    let mut top_idents = BTreeSet::new();
    top_idents.insert("body".to_owned());
    let mut member_idents = BTreeSet::new();
    for f in &mut input {
        let set = if f.place == Place::BodyMember {
            &mut member_idents
        } else {
            &mut top_idents
        };
        if f.place == Place::Body {
            f.field.ident = "body".into();
            continue;
        }
        let base = f.field.ident.clone();
        let mut n = 2;
        while !set.insert(f.field.ident.clone()) {
            f.field.ident = format!("{base}_{n}");
            n += 1;
        }
    }
    let mut setters: BTreeSet<String> = BUILDER_METHODS.iter().map(|s| s.to_string()).collect();
    let order: Vec<usize> = (0..input.len())
        .filter(|&i| input[i].place != Place::BodyMember)
        .chain((0..input.len()).filter(|&i| input[i].place == Place::BodyMember))
        .collect();
    for i in order {
        let f = &mut input[i];
        let mut setter = f.field.ident.clone();
        if setters.contains(&setter) {
            setter = if f.place == Place::BodyMember {
                format!("body_{setter}")
            } else {
                format!("{setter}_param")
            };
        }
        let base = setter.clone();
        let mut n = 2;
        while !setters.insert(setter.clone()) {
            setter = format!("{base}_{n}");
            n += 1;
        }
        f.setter = setter;
    }
    for f in &mut input {
        if !matches!(f.field.ty, Ty::List(_)) {
            continue;
        }
        let base = f.setter.trim_end_matches('_').to_owned();
        let single = names::singular(&base).unwrap_or(base.clone());
        let mut adder = format!("add_{single}");
        if setters.contains(&adder) {
            adder = format!("add_{base}");
        }
        if setters.insert(adder.clone()) {
            f.adder = Some(adder);
        }
    }

    let mut op = Op {
        name: name.to_owned(),
        snake: names::field_ident(name),
        spec: operation.clone(),
        input,
        body_struct,
        output,
        types,
        paging: None,
        read_only: is_read_only(name, operation),
    };
    op.paging = paging(&op, shared_set);
    if std::env::var_os("CODEGEN_DEBUG").is_some() && op.paging.is_none() {
        let pageish = op.input.iter().any(|f| {
            matches!(
                norm(&f.field.wire).as_str(),
                "pagenumber" | "pagenum" | "nexttoken" | "maxresults" | "pagesize"
            )
        });
        if pageish {
            eprintln!(
                "not paged: {name} ({:?})",
                std::mem::discriminant(&op.output)
            );
        }
    }
    Ok(op)
}

fn output_model(
    spec: &Spec,
    shared: &BTreeMap<String, String>,
    name: &str,
    operation: &Operation,
    types: &mut TypeSet,
) -> OutputKind {
    let Some(schema) = operation.response.as_ref().and_then(|r| r.schema.as_ref()) else {
        return OutputKind::Untyped;
    };
    if schema.is_binary() {
        return OutputKind::Bytes;
    }
    let mut builder = TypeBuilder {
        spec,
        shared,
        building_shared: false,
        set: types,
        unwrap_lists: true,
        origin: format!("`{name}` response"),
        input_prefix: String::new(),
    };
    if let Some(reference) = &schema.reference {
        if let Some(rust) = shared.get(reference) {
            return OutputKind::Alias(TypePath {
                shared: true,
                name: rust.clone(),
            });
        }
    }
    match schema.ty {
        Some(SchemaType::String) => OutputKind::Text,
        Some(SchemaType::Array) => {
            let items = schema.items.as_deref().cloned().unwrap_or_default();
            let hint = format!("{name}Item");
            OutputKind::List(builder.ty(&items, &hint, name, Dir::Out))
        }
        Some(SchemaType::Object) if !schema.properties.is_empty() => {
            let output = format!("{name}Output");
            let index = builder.set.defs.len();
            builder.set.defs.push(TypeDef::Struct(StructDef {
                name: output.clone(),
                fields: Vec::new(),
                input: false,
                output: true,
                origin: format!("`{name}` response"),
            }));
            let fields = builder.fields(schema, name, Dir::Out);
            if let TypeDef::Struct(def) = &mut builder.set.defs[index] {
                def.fields = fields;
            }
            OutputKind::Struct
        }
        Some(SchemaType::Object) => match &schema.additional_properties {
            Some(values) => {
                let hint = format!("{name}Value");
                OutputKind::Map(builder.ty(values, &hint, name, Dir::Out))
            }
            None => OutputKind::Untyped,
        },
        _ => OutputKind::Untyped,
    }
}

// ---------------------------------------------------------------------------
// Paging

fn struct_fields<'a>(op: &'a Op, shared: &'a TypeSet, path: &TypePath) -> Option<&'a [Field]> {
    let set = if path.shared { shared } else { &op.types };
    match set.get(&path.name) {
        Some(TypeDef::Struct(s)) => Some(&s.fields),
        _ => None,
    }
}

fn is_int(ty: &Ty) -> bool {
    matches!(ty, Ty::I32 | Ty::I64)
}

fn paging(op: &Op, shared: &TypeSet) -> Option<Paging> {
    let root_fields: &[Field] = match &op.output {
        OutputKind::Struct => match op.types.defs.first() {
            Some(TypeDef::Struct(s)) => &s.fields,
            _ => return None,
        },
        OutputKind::Alias(path) => struct_fields(op, shared, path)?,
        _ => return None,
    };
    let find_input = |names: &[&str]| {
        op.input
            .iter()
            .find(|f| {
                matches!(f.place, Place::Query | Place::Form)
                    && names.contains(&norm(&f.field.wire).as_str())
            })
            .map(|f| (f.field.ident.clone(), f.field.ty.clone()))
    };
    // Some APIs type their page numbers as strings; those work too.
    let int_or_text = |t: &Ty| is_int(t) || *t == Ty::Str;
    let number = find_input(&["pagenumber", "pagenum", "pageno"]).filter(|(_, t)| int_or_text(t));
    let size = find_input(&["pagesize"]).filter(|(_, t)| int_or_text(t));
    let token = find_input(&["nexttoken", "token"]).filter(|(_, t)| *t == Ty::Str);
    let max = find_input(&["maxresults", "limit"]).filter(|(_, t)| int_or_text(t));

    // The list of items: the only list at the top of the output, else the
    // only list one object down (`Data.Items`).
    let mut levels: Vec<(Vec<PathStep>, &[Field])> = vec![(Vec::new(), root_fields)];
    for f in root_fields {
        if let Ty::Struct(p) = &f.ty {
            if let Some(inner) = struct_fields(op, shared, p) {
                levels.push((
                    vec![PathStep {
                        ident: f.ident.clone(),
                    }],
                    inner,
                ));
            }
        }
    }
    let lists_at = |fields: &[Field]| -> Vec<(String, Ty)> {
        fields
            .iter()
            .filter_map(|f| match &f.ty {
                Ty::List(item) => Some((f.ident.clone(), (**item).clone())),
                _ => None,
            })
            .collect()
    };
    let mut items = None;
    let top = lists_at(root_fields);
    if top.len() == 1 {
        let (ident, item) = top[0].clone();
        items = Some((Vec::new(), ident, item, 0usize));
    } else if top.is_empty() {
        let nested: Vec<_> = levels
            .iter()
            .enumerate()
            .skip(1)
            .flat_map(|(i, (path, fields))| {
                lists_at(fields)
                    .into_iter()
                    .map(move |(ident, item)| (path.clone(), ident, item, i))
            })
            .collect();
        if nested.len() == 1 {
            items = nested.into_iter().next();
        }
    }
    let (items_base, items_ident, item, level) = items?;
    let find_output = |names: &[&str], want: &dyn Fn(&Ty) -> bool| -> Option<(Vec<PathStep>, Ty)> {
        let mut search: Vec<usize> = vec![level];
        if level != 0 {
            search.push(0);
        }
        search.extend((1..levels.len()).filter(|i| *i != level));
        for i in search {
            let (base, fields) = &levels[i];
            if let Some(f) = fields
                .iter()
                .find(|f| names.contains(&norm(&f.wire).as_str()) && want(&f.ty))
            {
                let mut path = base.clone();
                path.push(PathStep {
                    ident: f.ident.clone(),
                });
                return Some((path, f.ty.clone()));
            }
        }
        None
    };
    let mut items_path = items_base;
    items_path.push(PathStep { ident: items_ident });

    let next = find_output(&["nexttoken"], &|t| *t == Ty::Str);
    let kind = match (token, next, number, size) {
        (Some(token), Some((next, _)), _, _) => PagingKind::Token {
            token: token.0,
            max: max.or_else(|| find_input(&["pagesize"]).filter(|(_, t)| int_or_text(t))),
            next,
        },
        (_, _, Some(number), Some(size)) => PagingKind::Number {
            number,
            size,
            total: find_output(&["totalcount", "total"], &is_int),
            echoed_size: find_output(&["pagesize"], &is_int),
        },
        _ => return None,
    };
    Some(Paging {
        kind,
        items: items_path,
        item,
    })
}

trait LocationKey {
    fn describe_key(&self) -> &'static str;
}

impl LocationKey for Location {
    fn describe_key(&self) -> &'static str {
        match self {
            Location::Query => "query",
            Location::Path => "path",
            Location::Header => "header",
            Location::Body => "body",
            Location::FormData => "formData",
        }
    }
}
