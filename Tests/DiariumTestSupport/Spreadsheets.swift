import Foundation

/// Reading back what diarium writes for spreadsheets, with independent readers: Python's `csv`
/// module (strict) for CSV, and LibreOffice (headless `soffice --convert-to xlsx`) for what a
/// spreadsheet makes of it, read back from the `.xlsx` with Python's `zipfile` and XML parser.
public enum Spreadsheets {
    /// A failure of an outside reader, with what it said.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The rows of CSV `text` as Python's `csv` module reads them (strict mode, `delimiter`;
    /// a UTF-8 byte order mark is read as such by `utf-8-sig`). Throws when Python refuses it.
    public static func parseCSV(_ text: String, delimiter: Character = ",", in directory: String) throws -> [[String]] {
        let file = directory + "/parse-\(UUID().uuidString).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try TestProcess.run(["python3", "-c", """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
                print(json.dumps(list(csv.reader(f, delimiter=sys.argv[2], strict=True))))
            """, file, String(delimiter)])
        guard r.status == 0 else { throw Failure(description: "python3's csv module rejected the CSV: \(r.stderrText)") }
        return try JSONDecoder().decode([[String]].self, from: r.stdout)
    }

    /// Whether LibreOffice's `soffice` is installed (on this machine it is; CI may lack it).
    public static var hasLibreOffice: Bool {
        (try? TestProcess.run(["sh", "-c", "command -v soffice"]).status) == 0
    }

    /// What a spreadsheet shows for one sheet: each cell's value as text, and whether any cell
    /// holds a formula.
    public struct Sheet: Decodable {
        public var rows: [[String]]
        public var formulas: Int
    }

    /// Opens the CSV file at `csvPath` in LibreOffice headless as a spreadsheet would (UTF-8,
    /// `separator`, `"` quotes), saves it as `.xlsx`, and reads the first sheet's cells back.
    /// Uses a private LibreOffice profile, so it runs beside other LibreOffice processes.
    public static func openInLibreOffice(csvPath: String, separator: Character, in directory: String) throws -> Sheet {
        let out = directory + "/xlsx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let profile = "file://" + directory + "/lo-profile-\(UUID().uuidString)"
        // CSV filter options: separator, text delimiter ("), character set 76 (UTF-8), first line 1.
        let filter = "CSV:\(separator.asciiValue ?? 44),34,76,1"
        let r = try TestProcess.run(["soffice", "-env:UserInstallation=" + profile, "--headless", "--infilter=" + filter,
                         "--convert-to", "xlsx", "--outdir", out, csvPath])
        let xlsx = out + "/" + ((csvPath as NSString).lastPathComponent as NSString).deletingPathExtension + ".xlsx"
        guard r.status == 0, FileManager.default.fileExists(atPath: xlsx) else {
            throw Failure(description: "soffice did not convert \(csvPath): \(r.stderrText)")
        }
        let read = try TestProcess.run(["python3", "-c", """
            import json, re, sys, zipfile
            import xml.etree.ElementTree as ET
            ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
            z = zipfile.ZipFile(sys.argv[1])
            shared = []
            if 'xl/sharedStrings.xml' in z.namelist():
                for si in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', ns):
                    shared.append(''.join(t.text or '' for t in si.iter('{%s}t' % ns['m'])))
            sheet = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))
            def column(ref):
                n = 0
                for ch in re.match(r'[A-Z]+', ref).group(0): n = n * 26 + ord(ch) - 64
                return n - 1
            rows, formulas = [], 0
            for row in sheet.iter('{%s}row' % ns['m']):
                cells = {}
                for c in row.findall('m:c', ns):
                    if c.find('m:f', ns) is not None: formulas += 1
                    v = c.find('m:v', ns)
                    t = c.get('t')
                    if t == 's' and v is not None: value = shared[int(v.text)]
                    elif t == 'inlineStr': value = ''.join(x.text or '' for x in c.iter('{%s}t' % ns['m']))
                    else: value = v.text if v is not None and v.text is not None else ''
                    cells[column(c.get('r'))] = value
                rows.append([cells.get(i, '') for i in range(max(cells) + 1)] if cells else [])
            print(json.dumps({'rows': rows, 'formulas': formulas}))
            """, xlsx])
        guard read.status == 0 else { throw Failure(description: "the .xlsx LibreOffice wrote could not be read: \(read.stderrText)") }
        return try JSONDecoder().decode(Sheet.self, from: read.stdout)
    }
}
