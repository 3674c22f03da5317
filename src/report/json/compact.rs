//! Compact JSON, byte for byte what `serde_json::to_writer` writes, with strings checked for
//! escapes sixteen bytes at a time.
//!
//! report.json is mostly text (evidence sentences, document ids, labels), several times the
//! corpus's size, and serde_json escapes a string one byte at a time through a lookup table:
//! its string writer was 3.2% of a run's instructions, on the thread that aligns and renders
//! stories. Here a string is checked many bytes at a time (`crate::special`) for the
//! bytes JSON must escape (`"`, `\` and controls below U+0020), and a string without any, as
//! most are, is copied whole. What is not a string (numbers, `null`, booleans) is still
//! written by serde_json, and the structure around values (`{`, `"key":`, `,`, `[`) is the one
//! serde_json's compact formatter writes; the tests compare both serializers on values of
//! every shape serde has.

use serde::ser::{self, Serialize};
use std::io::Write;

/// Serializes `value` as compact JSON into `w`, through a buffer of at most about `SPILL`
/// bytes. The buffer starts small: report.json's document list calls this once per document.
pub fn to_writer<W: Write + ?Sized, T: Serialize + ?Sized>(
    mut w: &mut W,
    value: &T,
) -> serde_json::Result<()> {
    let mut out = Out::new(Vec::with_capacity(256), Sink::Writer(&mut w), 0);
    value.serialize(Ser { out: &mut out })?;
    out.finish()
}

/// Serializes `value` as compact JSON.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    to_vec_with_capacity(value, 128)
}

/// As `to_vec`, in a buffer of `capacity` bytes to start with (grown if the JSON is longer).
pub fn to_vec_with_capacity<T: Serialize + ?Sized>(
    value: &T,
    capacity: usize,
) -> serde_json::Result<Vec<u8>> {
    let mut out = Out::new(Vec::with_capacity(capacity), Sink::Vec, 0);
    value.serialize(Ser { out: &mut out })?;
    Ok(out.buf)
}

/// Appends `value` as compact JSON to `chunks`, in buffers to be written one after the other:
/// `first`, then new ones of `CHUNK` bytes each. A buffer that is full is not grown but followed
/// by a new one, so no byte is copied twice: a story's JSON (17 KB at the median on synth
/// 10 MB, 134 KB at most) grown in one buffer was copied at each doubling, 37 MB in all, about
/// as many instructions as bytes. A buffer's unused room is at most about the longest string.
pub fn to_chunks<T: Serialize + ?Sized>(
    value: &T,
    first: Vec<u8>,
    chunks: &mut Vec<Vec<u8>>,
) -> serde_json::Result<()> {
    chunked(value, first, chunks, CHUNK)
}

/// `to_chunks` with new buffers of `chunk` bytes (small in the tests, to split values often).
fn chunked<T: Serialize + ?Sized>(
    value: &T,
    first: Vec<u8>,
    chunks: &mut Vec<Vec<u8>>,
    chunk: usize,
) -> serde_json::Result<()> {
    let mut out = Out::new(first, Sink::Chunks(chunks), chunk);
    value.serialize(Ser { out: &mut out })?;
    out.finish()
}

/// Bytes a writer's buffer holds before they go to the writer (at the end of a value).
const SPILL: usize = 64 << 10;

/// Bytes of a new buffer of `to_chunks`: about a story's median JSON.
const CHUNK: usize = 16 << 10;

/// Room a buffer of `to_chunks` keeps after each value for what is written between strings
/// (punctuation, field names, numbers), so that it is not grown for them.
const MARGIN: usize = 256;

/// Where the JSON goes besides the buffer.
enum Sink<'w> {
    /// Nowhere: the buffer grows and holds the whole value.
    Vec,
    /// A writer, handed the buffer once it holds `SPILL` bytes, so that a large value is never
    /// held whole.
    Writer(&'w mut dyn Write),
    /// Buffers to be written in order, the buffer pushed there when it is full (`to_chunks`).
    Chunks(&'w mut Vec<Vec<u8>>),
}

/// Where the JSON is written: a buffer, every write to it a plain copy, and its `sink`.
struct Out<'w> {
    buf: Vec<u8>,
    sink: Sink<'w>,
    /// Bytes of each new buffer, for `Sink::Chunks`.
    chunk: usize,
    /// The length of `buf` from which it goes to the sink after a value (`boundary`): one
    /// comparison after each of the millions of values, whatever the sink.
    limit: usize,
}

impl<'w> Out<'w> {
    fn new(buf: Vec<u8>, sink: Sink<'w>, chunk: usize) -> Self {
        let mut out = Out { buf, sink, chunk, limit: 0 };
        out.set_limit();
        out
    }

    /// `limit` for the sink and the buffer's capacity (set again when the buffer changes).
    fn set_limit(&mut self) {
        self.limit = match self.sink {
            Sink::Vec => usize::MAX,
            Sink::Writer(_) => SPILL,
            Sink::Chunks(_) => self.buf.capacity().saturating_sub(MARGIN),
        };
    }

    #[inline]
    fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Makes room for `n` more bytes in the buffer.
    #[inline]
    fn room(&mut self, n: usize) {
        if self.buf.capacity() - self.buf.len() < n {
            self.full(n);
        }
    }

    /// `room` when the buffer has less than `n` bytes left: a new buffer follows a full one in
    /// `Sink::Chunks`; any other buffer grows.
    #[cold]
    fn full(&mut self, n: usize) {
        match &mut self.sink {
            Sink::Chunks(chunks) if !self.buf.is_empty() => {
                let next = Vec::with_capacity(self.chunk.max(n));
                chunks.push(std::mem::replace(&mut self.buf, next));
            }
            _ => self.buf.reserve(n),
        }
        self.set_limit();
    }

    /// After each element or field: hands a full buffer to the sink.
    #[inline]
    fn boundary(&mut self) -> serde_json::Result<()> {
        if self.buf.len() >= self.limit {
            self.spill()?;
        }
        Ok(())
    }

    /// `boundary` once the buffer reached `limit`.
    #[cold]
    fn spill(&mut self) -> serde_json::Result<()> {
        match &mut self.sink {
            Sink::Vec => {}
            Sink::Writer(sink) => {
                sink.write_all(&self.buf).map_err(serde_json::Error::io)?;
                self.buf.clear();
            }
            Sink::Chunks(_) => self.room(MARGIN),
        }
        self.set_limit();
        Ok(())
    }

    /// At the end of the value: hands what the buffer holds to the sink.
    fn finish(self) -> serde_json::Result<()> {
        match self.sink {
            Sink::Vec => {}
            Sink::Writer(sink) => sink.write_all(&self.buf).map_err(serde_json::Error::io)?,
            Sink::Chunks(chunks) => {
                if !self.buf.is_empty() {
                    chunks.push(self.buf);
                }
            }
        }
        Ok(())
    }
}

/// What JSON escapes: `"`, `\` and controls below U+0020.
const ESCAPED: crate::special::Special<2> =
    crate::special::Special { below: 0x20, these: [b'"', b'\\'], from: None };

/// The escape of one byte, as serde_json writes it; `None` for bytes written as they are.
#[inline]
fn escape(b: u8) -> Option<&'static [u8]> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    const CONTROLS: [[u8; 6]; 32] = {
        let mut t = [[0u8; 6]; 32];
        let mut i = 0;
        while i < 32 {
            t[i] = [b'\\', b'u', b'0', b'0', HEX[i >> 4], HEX[i & 15]];
            i += 1;
        }
        t
    };
    Some(match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        0x08 => b"\\b",
        0x0c => b"\\f",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0..0x20 => &CONTROLS[b as usize],
        _ => return None,
    })
}

/// Writes `s` as a JSON string, quotes included. Most strings have nothing to escape and are
/// copied whole; the others are written as serde_json writes them, a byte at a time.
fn write_str(out: &mut Out, s: &str) {
    let bytes = s.as_bytes();
    out.room(bytes.len() + 2);
    let buf = &mut out.buf;
    buf.push(b'"');
    if !ESCAPED.any_in(bytes) {
        buf.extend_from_slice(bytes);
    } else {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if let Some(e) = escape(b) {
                buf.extend_from_slice(&bytes[start..i]);
                buf.extend_from_slice(e);
                start = i + 1;
            }
        }
        buf.extend_from_slice(&bytes[start..]);
    }
    buf.push(b'"');
}

/// The serializer: strings and structure written here, other scalars by serde_json.
struct Ser<'a, 'w> {
    out: &'a mut Out<'w>,
}

impl<'a, 'w> Ser<'a, 'w> {
    fn json(self) -> serde_json::Serializer<&'a mut Vec<u8>> {
        serde_json::Serializer::new(&mut self.out.buf)
    }

    /// `{"variant":` of an enum variant with data.
    fn open_variant(&mut self, variant: &str) {
        self.out.raw(b"{");
        write_str(self.out, variant);
        self.out.raw(b":");
    }

    /// The array or object of an enum variant's fields, closed with the variant's `}`.
    fn variant_fields(
        mut self,
        variant: &str,
        open: &[u8],
        close: &'static [u8],
    ) -> serde_json::Result<Compound<'a, 'w>> {
        self.open_variant(variant);
        Compound::open(self, open, close)
    }
}

/// An array or object being written, and what closes it.
struct Compound<'a, 'w> {
    out: &'a mut Out<'w>,
    first: bool,
    close: &'static [u8],
}

impl<'a, 'w> Compound<'a, 'w> {
    fn open(ser: Ser<'a, 'w>, open: &[u8], close: &'static [u8]) -> serde_json::Result<Self> {
        ser.out.raw(open);
        Ok(Compound { out: ser.out, first: true, close })
    }

    #[inline]
    fn comma(&mut self) {
        if !std::mem::take(&mut self.first) {
            self.out.raw(b",");
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
        self.comma();
        value.serialize(Ser { out: &mut *self.out })?;
        self.out.boundary()
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> serde_json::Result<()> {
        if ESCAPED.any_in(key.as_bytes()) {
            self.comma();
            write_str(self.out, key);
            self.out.raw(b":");
        } else {
            // A field name (almost always): `,"key":` written in one reservation.
            self.out.room(key.len() + 4);
            let buf = &mut self.out.buf;
            if !std::mem::take(&mut self.first) {
                buf.push(b',');
            }
            buf.push(b'"');
            buf.extend_from_slice(key.as_bytes());
            buf.extend_from_slice(b"\":");
        }
        value.serialize(Ser { out: &mut *self.out })?;
        self.out.boundary()
    }

    fn close(self) -> serde_json::Result<()> {
        self.out.raw(self.close);
        Ok(())
    }
}

macro_rules! by_serde_json {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method(self, v: $ty) -> serde_json::Result<()> {
            ser::Serializer::$method(&mut self.json(), v)
        })*
    };
}

impl<'a, 'w> ser::Serializer for Ser<'a, 'w> {
    type Ok = ();
    type Error = serde_json::Error;
    type SerializeSeq = Compound<'a, 'w>;
    type SerializeTuple = Compound<'a, 'w>;
    type SerializeTupleStruct = Compound<'a, 'w>;
    type SerializeTupleVariant = Compound<'a, 'w>;
    type SerializeMap = Compound<'a, 'w>;
    type SerializeStruct = Compound<'a, 'w>;
    type SerializeStructVariant = Compound<'a, 'w>;

    by_serde_json! {
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_i64(i64), serialize_i128(i128), serialize_u8(u8), serialize_u16(u16),
        serialize_u32(u32), serialize_u64(u64), serialize_u128(u128), serialize_f32(f32),
        serialize_f64(f64), serialize_bytes(&[u8]),
    }

    fn serialize_char(self, v: char) -> serde_json::Result<()> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> serde_json::Result<()> {
        write_str(self.out, v);
        Ok(())
    }

    fn serialize_none(self) -> serde_json::Result<()> {
        self.out.raw(b"null");
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> serde_json::Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> serde_json::Result<()> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> serde_json::Result<()> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> serde_json::Result<()> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        mut self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> serde_json::Result<()> {
        self.open_variant(variant);
        value.serialize(Ser { out: &mut *self.out })?;
        self.out.raw(b"}");
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> serde_json::Result<Compound<'a, 'w>> {
        Compound::open(self, b"[", b"]")
    }

    fn serialize_tuple(self, _: usize) -> serde_json::Result<Compound<'a, 'w>> {
        Compound::open(self, b"[", b"]")
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> serde_json::Result<Compound<'a, 'w>> {
        Compound::open(self, b"[", b"]")
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> serde_json::Result<Compound<'a, 'w>> {
        self.variant_fields(variant, b"[", b"]}")
    }

    fn serialize_map(self, _: Option<usize>) -> serde_json::Result<Compound<'a, 'w>> {
        Compound::open(self, b"{", b"}")
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> serde_json::Result<Compound<'a, 'w>> {
        Compound::open(self, b"{", b"}")
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> serde_json::Result<Compound<'a, 'w>> {
        self.variant_fields(variant, b"{", b"}}")
    }
}

/// The compound traits, all the same two calls.
macro_rules! compound {
    ($($trait:ident :: $method:ident),* $(,)?) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = serde_json::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
                self.element(value)
            }
            fn end(self) -> serde_json::Result<()> {
                self.close()
            }
        }
    )*};
}

compound! {
    SerializeSeq::serialize_element, SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field, SerializeTupleVariant::serialize_field,
}

macro_rules! named_fields {
    ($($trait:ident),* $(,)?) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = serde_json::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> serde_json::Result<()> {
                self.field(key, value)
            }
            fn end(self) -> serde_json::Result<()> {
                self.close()
            }
        }
    )*};
}

named_fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = serde_json::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> serde_json::Result<()> {
        self.comma();
        // A key is a JSON string whatever its type: serde_json turns numbers and booleans into
        // strings and refuses the rest. Its own rendering of the key as a value, quoted when
        // it is not a string already, is the same.
        match serde_json::to_value(key)? {
            serde_json::Value::String(s) => write_str(self.out, &s),
            v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_)) => {
                write_str(self.out, &v.to_string())
            }
            _ => return Err(ser::Error::custom("key must be a string")),
        }
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> serde_json::Result<()> {
        self.out.raw(b":");
        value.serialize(Ser { out: &mut *self.out })?;
        self.out.boundary()
    }
    fn end(self) -> serde_json::Result<()> {
        self.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    /// A value of every shape serde has, nested.
    #[derive(Debug, Clone, Serialize)]
    enum Shape {
        Unit,
        Newtype(String),
        Tuple(i64, Option<f64>),
        Struct { text: String, flag: bool, items: Vec<Shape> },
    }

    #[derive(Debug, Clone, Serialize)]
    struct Everything {
        text: String,
        ch: char,
        small: i8,
        big: u128,
        neg: i128,
        float: f64,
        single: f32,
        missing: Option<String>,
        unit: (),
        pair: (String, u32),
        shapes: Vec<Shape>,
        by_name: BTreeMap<String, Vec<u8>>,
        by_number: BTreeMap<i32, bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        #[serde(with = "serde_bytes_like")]
        raw: Vec<u8>,
        /// A field name JSON must escape (names with nothing to escape take a shorter path).
        #[serde(rename = "a \"quoted\"\tname\\")]
        renamed: bool,
    }

    /// Bytes through `serialize_bytes`.
    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    /// Text weighted towards what JSON escapes, with multi-byte characters, at every length
    /// around the eight-byte words.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => "[a-zA-Z ]{0,9}",
            2 => Just("\"".to_string()),
            2 => Just("\\".to_string()),
            2 => (0u8..0x20).prop_map(|b| (b as char).to_string()),
            1 => Just("\u{7f}".to_string()),
            1 => Just("é’\u{a0}".to_string()),
            1 => Just("𝄞".to_string()),
            1 => Just("\u{2028}".to_string()),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    fn shape() -> impl Strategy<Value = Shape> {
        let leaf = prop_oneof![
            Just(Shape::Unit),
            text().prop_map(Shape::Newtype),
            (any::<i64>(), proptest::option::of(any::<f64>()))
                .prop_map(|(a, b)| Shape::Tuple(a, b)),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            (text(), any::<bool>(), proptest::collection::vec(inner, 0..4))
                .prop_map(|(text, flag, items)| Shape::Struct { text, flag, items })
        })
    }

    fn everything() -> impl Strategy<Value = Everything> {
        (
            (text(), any::<char>(), any::<i8>(), any::<u128>(), any::<i128>()),
            (any::<f64>(), any::<f32>(), proptest::option::of(text()), (text(), any::<u32>())),
            proptest::collection::vec(shape(), 0..4),
            proptest::collection::btree_map(
                text(),
                proptest::collection::vec(any::<u8>(), 0..3),
                0..3,
            ),
            proptest::collection::btree_map(any::<i32>(), any::<bool>(), 0..3),
            (proptest::option::of(any::<u8>()), proptest::collection::vec(any::<u8>(), 0..5)),
        )
            .prop_map(
                |(
                    (text, ch, small, big, neg),
                    (float, single, missing, pair),
                    shapes,
                    by_name,
                    by_number,
                    (skipped, raw),
                )| {
                    Everything {
                        text,
                        ch,
                        small,
                        big,
                        neg,
                        float,
                        single,
                        missing,
                        unit: (),
                        pair,
                        shapes,
                        by_name,
                        by_number,
                        skipped,
                        renamed: raw.len() % 2 == 0,
                        raw,
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn strings_as_serde_json_writes_them(s in text()) {
            prop_assert_eq!(to_vec(&s).unwrap(), serde_json::to_vec(&s).unwrap());
        }

        #[test]
        fn values_as_serde_json_writes_them(v in everything()) {
            prop_assert_eq!(
                String::from_utf8(to_vec(&v).unwrap()).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
        }

        /// In buffers of a few bytes, so split before most strings and after most values: the
        /// same bytes, and no buffer empty.
        #[test]
        fn values_in_chunks_as_serde_json_writes_them(
            v in everything(),
            first in 0usize..40,
            chunk in 1usize..40,
        ) {
            let mut chunks = Vec::new();
            chunked(&v, Vec::with_capacity(first), &mut chunks, chunk).unwrap();
            prop_assert!(chunks.iter().all(|c| !c.is_empty()));
            prop_assert_eq!(
                String::from_utf8(chunks.concat()).unwrap(),
                serde_json::to_string(&v).unwrap()
            );
        }
    }

    #[test]
    fn every_byte_alone_and_in_a_word() {
        for b in 0u8..0x80 {
            for (len, at) in (0..=10).flat_map(|len| (0..=len).map(move |at| (len, at))) {
                let mut s = "abcdefghij"[..len].to_string();
                s.insert(at, b as char);
                assert_eq!(to_vec(&s).unwrap(), serde_json::to_vec(&s).unwrap(), "{s:?}");
            }
        }
    }

    /// A value several times the buffer, written to a writer: spilled in pieces, the same bytes.
    #[test]
    fn large_values_spill_to_the_writer_unchanged() {
        let v: Vec<(String, Vec<Option<u32>>)> =
            (0..20_000).map(|i| (format!("text \"{i}\"\n"), vec![Some(i), None])).collect();
        let mut written = Vec::new();
        to_writer(&mut written, &v).unwrap();
        assert!(written.len() > 4 * SPILL);
        assert_eq!(written, serde_json::to_vec(&v).unwrap());
        // Through a writer behind a `dyn` reference too.
        let mut file = std::io::Cursor::new(Vec::new());
        to_writer(&mut file as &mut dyn Write, &v).unwrap();
        assert_eq!(file.into_inner(), written);
    }

    /// A value several times `CHUNK`: in buffers of `CHUNK` bytes, none of them grown.
    #[test]
    fn large_values_in_chunks_not_grown() {
        let v: Vec<(String, Vec<Option<u32>>)> =
            (0..20_000).map(|i| (format!("text \"{i}\"\n"), vec![Some(i), None])).collect();
        let mut chunks = vec![b"before".to_vec()];
        to_chunks(&v, Vec::with_capacity(100), &mut chunks).unwrap();
        assert!(chunks.len() > 4);
        assert_eq!(chunks[0], b"before");
        assert_eq!(chunks[1..].concat(), serde_json::to_vec(&v).unwrap());
        assert_eq!(chunks[1].capacity(), 100);
        let (last, full) = chunks[2..].split_last().unwrap();
        assert!(full.iter().all(|c| c.capacity() == CHUNK && c.len() > CHUNK - MARGIN));
        assert_eq!(last.capacity(), CHUNK);
    }

    #[test]
    fn keys_that_are_not_strings_are_refused_as_serde_json_refuses_them() {
        let m: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert!(serde_json::to_vec(&m).is_err());
        assert!(to_vec(&m).is_err());
    }
}
