/// The on-disk format versions this build reads and writes, for `diarium --version` and
/// messages. An index written in another version is refused with the rebuild message.
public enum IndexFormatVersions {
    /// Version of the SQLite catalog's schema (`meta.format_version`).
    public static var catalog: String { Catalog.formatVersion }
    /// Version in every segment file's header.
    public static var segment: UInt32 { SegmentFormat.version }
}
