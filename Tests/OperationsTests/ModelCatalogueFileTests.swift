import Foundation
import LLM
import Operations
import Testing
import TestSupport

/// The models file: providers and models, resolved by name and alias, checked as hostile input.
@Suite struct ModelCatalogueFileTests {
    static let environment = ["GEMINI_API_KEY": "AIza-example-secret", "OPENAI_API_KEY": "sk-example-secret"]

    static var example: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("config/models.example.yaml"), encoding: .utf8)
        }
    }

    @Test func theShippedExampleIsValidAndResolvesNamesAndAliases() throws {
        let catalogue = try ModelCatalogueFile.parse(try Self.example, path: "models.yaml", environment: Self.environment)
        #expect(catalogue.providers.map(\.name) == ["gemini", "local", "openai"])
        #expect(catalogue.models.map(\.name) == ["gemini-flash", "gpt-4o", "gpt-4o-mini", "llama", "text-embedding-3-small"])
        #expect(catalogue.defaultModel.name == "gemini-flash")
        #expect(catalogue.resolve("fast")?.upstreamModel == "gemini-2.5-flash")
        #expect(catalogue.resolve("gpt-4o")?.upstreamModel == "gpt-4o", "model defaults to the entry's name")
        #expect(catalogue.resolve(nil)?.name == "gemini-flash" && catalogue.resolve("")?.name == "gemini-flash")
        #expect(catalogue.resolve("gpt-5") == nil, "no wildcard: an unknown name is unknown")
        #expect(catalogue.provider(named: "gemini")?.baseURL == GeminiProvider.defaultBaseURL)
        #expect(catalogue.provider(named: "local")?.apiKey == nil)
        #expect(Set(catalogue.secrets) == ["AIza-example-secret", "sk-example-secret"])
        #expect(!"\(catalogue.providers)".contains("secret"), "a provider's description says only whether a key is set")
    }

    @Test func theSingleProviderSettingsAnswerToEveryName() {
        var settings = LLMConfiguration(provider: .openai)
        settings.openAIModel = "llama3.2"
        let catalogue = settings.effectiveCatalogue
        #expect(catalogue.models.map(\.name) == ["llama3.2"])
        #expect(catalogue.resolve("gpt-4o")?.upstreamModel == "llama3.2")
        #expect(catalogue.hasOneRoute)
    }

    @Test(arguments: [
        ("providers: {a: {type: openai, base_url: \"http://x\"}}", "models.yaml: `models` must be a non-empty mapping of model name → {provider, …}"),
        ("providers: {a: {type: bard}}\nmodels: {m: {provider: a}}", "models.yaml: providers.a.type must be gemini, openai or offline"),
        ("providers: {a: {type: openai}}\nmodels: {m: {provider: a}}", "models.yaml: providers.a.base_url is required for an OpenAI-compatible provider"),
        ("providers: {a: {type: openai, base_url: \"file:///etc/passwd\"}}\nmodels: {m: {provider: a}}",
         "models.yaml: providers.a.base_url must be an http(s) URL"),
        ("providers: {a: {type: gemini}}\nmodels: {m: {provider: a}}",
         "models.yaml: providers.a needs `api_key_env` (or `api_key`): Gemini requires a key"),
        ("providers: {a: {type: gemini, api_key_env: NOT_SET_ANYWHERE}}\nmodels: {m: {provider: a}}",
         "models.yaml: providers.a.api_key_env: NOT_SET_ANYWHERE is not set"),
        ("providers: {a: {type: offline, colour: red}}\nmodels: {m: {provider: a}}", "models.yaml: unknown key providers.a.colour (allowed: type)"),
        ("providers: {a: {type: offline}}\nmodels: {m: {provider: b}}",
         "models.yaml: models.m.provider names 'b', which `providers` does not define"),
        ("providers: {a: {type: offline}}\nmodels: {m: {provider: a, aliases: [x]}, n: {provider: a, aliases: [x]}}\ndefault_model: m",
         "models.yaml: 'x' names both models.m and models.n"),
        ("providers: {a: {type: offline}}\nmodels: {m: {provider: a}, n: {provider: a}}",
         "models.yaml: `default_model` is required with more than one model"),
        ("providers: {a: {type: offline}}\nmodels: {m: {provider: a}}\ndefault_model: zz",
         "models.yaml: default_model 'zz' is not a model's name or alias"),
        ("providers: {a: {type: offline}}\nmodels: {\"bad name\": {provider: a}}",
         "models.yaml: models.bad name: 'bad name' must be 1–128 printable ASCII characters without spaces, quotes, backslash, '?' or '#'"),
        ("providers: {a: {type: offline}}\nmodels: {m: {provider: a, tags: [\"Not A Tag\"]}}",
         "models.yaml: models.m.tags entry name 'Not A Tag' must be 1–64 characters of a-z, 0-9, '.', '_', '-'"),
        ("providers: {a: {type: offline}}\nmodels: {m: {provider: a, aliases: [a,b,c,d,e,f,g,h,i,j,k,l,m2,n,o,p,q,r,s,t,u]}}",
         "models.yaml: models.m.aliases has more than 20 entries"),
    ])
    func aBrokenFileIsRefusedNamingTheEntry(text: String, message: String) {
        #expect(throws: ConfigFileError.self) {
            _ = try ModelCatalogueFile.parse(text, path: "models.yaml", environment: [:])
        }
        do {
            _ = try ModelCatalogueFile.parse(text, path: "models.yaml", environment: [:])
        } catch {
            #expect(error.description == message)
        }
    }

    /// The YAML library quotes the offending line; a key written inline must not leave in the error.
    @Test func aSyntaxErrorNeverEchoesTheFile() {
        let text = "providers:\n  a: {type: openai, base_url: \"http://x\", api_key: sk-live-SECRET-0123\n models: ["
        do {
            _ = try ModelCatalogueFile.parse(text, path: "models.yaml", environment: [:])
            Issue.record("broken YAML must be refused")
        } catch {
            #expect(error.description.hasPrefix("models.yaml: is not valid YAML"))
            #expect(!error.description.contains("SECRET"))
        }
    }

    /// A few hundred bytes of nested aliases unfold to a billion nodes: refused by count, before
    /// anything is unfolded (the contacts file shares the reader).
    @Test func anAliasBombIsRefusedBeforeItUnfolds() {
        var text = "providers: {a: {type: offline}}\nmodels: {m: {provider: a}}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(text.utf8.count < 1024)
        do {
            _ = try ModelCatalogueFile.parse(text, path: "models.yaml", environment: [:])
            Issue.record("an alias bomb must be refused")
        } catch {
            #expect(error.description == "models.yaml: unfolds to more than 50000 YAML nodes (anchors and aliases count each time they are used)")
        }
        #expect(throws: ConfigFileError.self) { _ = try ContactBook.parse(text, path: "contacts.yaml", environment: [:]) }
    }

    /// A key pasted where the variable's name belongs is never printed back.
    @Test func aKeyInPlaceOfAVariableNameIsNotEchoed() {
        let text = "providers: {a: {type: openai, base_url: \"http://x\", api_key_env: \"sk-live-SECRET-0123\"}}\nmodels: {m: {provider: a}}"
        do {
            _ = try ModelCatalogueFile.parse(text, path: "models.yaml", environment: [:])
            Issue.record("a value that cannot be a variable's name must be refused")
        } catch {
            #expect(error.description.contains("providers.a.api_key_env must name an environment variable"))
            #expect(!error.description.contains("SECRET"))
        }
    }

    @Test func sizeAndCountBoundsHold() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("big.yaml", String(repeating: "# padding\n", count: 7000))
        #expect(throws: ConfigFileError.self) { _ = try ModelCatalogueFile.load(path: dir.file("big.yaml"), environment: [:]) }
        let many = "providers: {a: {type: offline}}\ndefault_model: m0\nmodels:\n"
            + (0...500).map { "  m\($0): {provider: a}\n" }.joined()
        do {
            _ = try ModelCatalogueFile.parse(many, path: "models.yaml", environment: [:])
            Issue.record("501 models must be refused")
        } catch {
            #expect(error.description == "models.yaml: defines more than 500 models")
        }
        #expect(try ModelCatalogueFile.load(path: dir.file("absent.yaml"), environment: [:]) == nil, "no file: no catalogue")
        // A FIFO in the file's place would block a plain read (and the watcher) forever.
        #expect(mkfifo(dir.file("pipe.yaml"), 0o600) == 0)
        do {
            _ = try ModelCatalogueFile.load(path: dir.file("pipe.yaml"), environment: [:])
            Issue.record("a FIFO must be refused")
        } catch {
            #expect(error.description == "\(dir.file("pipe.yaml")): not a regular file")
        }
    }
}
