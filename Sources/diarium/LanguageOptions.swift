import ArgumentParser
import DiariumOutput
import Foundation

/// `--lang sv|en`: the language of headings and messages (never of CSV column names or JSON
/// keys). Without it, the locale decides (`LC_ALL`, `LC_MESSAGES`, `LANG`: Swedish when the
/// first one set starts with `sv`).
struct LanguageOptions: ParsableArguments {
    @Option(name: .customLong("lang"), help: "Language of headings and messages: sv or en (default: from LC_ALL, LC_MESSAGES or LANG; Swedish when it starts with sv).")
    var lang: Language?

    var language: Language { lang ?? Language.fromEnvironment(ProcessInfo.processInfo.environment) }
    var strings: Strings { language.strings }
}

extension Language: ExpressibleByArgument {}
