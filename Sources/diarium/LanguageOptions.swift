import ArgumentParser
import DiariumOutput
import Foundation

/// `--lang sv|en`: the language of headings and messages (never of CSV column names or JSON
/// keys). Without it, the locale decides (`LC_ALL`, `LC_MESSAGES`, `LANG`: Swedish when the
/// first one set starts with `sv`).
struct LanguageOptions: ParsableArguments {
    @Option(name: .customLong("lang"), help: "Language of headings and messages: sv or en (default: from LC_ALL, LC_MESSAGES or LANG; Swedish when it starts with sv).")
    var lang: Language?

    var language: Language { LanguageOptions.resolve(lang) }
    var strings: Strings { language.strings }

    /// `lang`, else what the locale variables ask for (read one by one, not the whole
    /// environment).
    static func resolve(_ lang: Language?) -> Language {
        if let lang { return lang }
        var environment: [String: String] = [:]
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] { if let v = getenv(name) { environment[name] = String(cString: v) } }
        return Language.fromEnvironment(environment)
    }
}

extension Language: ExpressibleByArgument {}
