import ArgumentParser
import Foundation
import LuaRuntime
import OracleCore
import Policies

extension PolicyCommand {
    struct Eval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a policy on one input and print its decision as JSON.",
            discussion: """
                Runs POLICIES_DIR/NAME.lua (or a .lua path) in the server's sandbox with the server's \
                limits and validates the result against the contract. Prints the decision as pretty JSON \
                with sorted keys on stdout; --explain adds the policy file, content hash, duration and \
                exact instruction count on stderr, so stdout stays the decision.
                Exit status: 0 ok, 1 unknown policy, bad JSON, evaluation error or contract violation, 2 usage error.
                """)

        @OptionGroup var config: ConfigOptions
        @Argument(help: ArgumentHelp("\(PolicyKind.names), or the path of a policy file.")) var name: String?
        @Option(help: "The input: JSON text, @FILE, or @- for standard input.") var input: String?
        @Flag(help: "Also print file, content hash, duration and instruction count (stderr).") var explain = false

        func run() async throws {
            guard let name else { throw PolicyCommand.fail("missing policy NAME (\(PolicyKind.names))", code: 2) }
            guard let input else { throw PolicyCommand.fail("missing --input JSON|@FILE", code: 2) }
            let folders = try await Folders.load(config)
            let source = try PolicyCommand.readPolicy(name, folders: folders)
            let value = try Self.decode(input)
            var limits = LuaLimits()
            if explain { limits.hookGranularity = 1 }  // exact instruction count
            let evaluation: PolicyReplay.Evaluation
            do {
                evaluation = try PolicyReplay.Candidate(source: source, limits: limits).evaluate(value)
            } catch {
                throw PolicyCommand.fail("\(source.chunkName): \(error)", code: 1)
            }
            PolicyCommand.write(try Self.pretty(evaluation.output) + "\n")
            if explain {
                Console.error("""
                    policy: \(source.chunkName)
                    version: \(source.hash)
                    entry: \(source.kind.entryFunction)
                    duration: \(String(format: "%.3f", evaluation.duration.milliseconds)) ms
                    instructions: \(evaluation.instructions)
                    """)
            }
        }

        static func decode(_ argument: String) throws -> LuaValue {
            var text = argument
            if argument == "@-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else if argument.hasPrefix("@") {
                let path = String(argument.dropFirst())
                guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw PolicyCommand.fail("cannot read input file \(path)", code: 2)
                }
                text = contents
            }
            let value: LuaValue
            do {
                value = try LuaHelpers.jsonDecode(text)
            } catch {
                throw PolicyCommand.fail("--input is not valid JSON: \(error.message)", code: 1)
            }
            guard case .table = value else {
                throw PolicyCommand.fail("--input must be a JSON object (the policy receives a table)", code: 1)
            }
            return value
        }

        /// Pretty JSON, keys sorted; an empty Lua table is an empty list (docs/policies.md).
        static func pretty(_ value: LuaValue) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // Foundation prints an empty list as "[\n\n  ]"; a raw newline cannot occur inside a JSON string.
            return String(decoding: try encoder.encode(emptyAsList(value)), as: UTF8.self).replacing(/\[\n\s*\]/, with: "[]")
        }

        static func emptyAsList(_ value: LuaValue) -> LuaValue {
            switch value {
            case .table(let fields) where fields.isEmpty: .array([])
            case .table(let fields): .table(fields.mapValues(emptyAsList))
            case .array(let items): .array(items.map(emptyAsList))
            default: value
            }
        }
    }

    /// A policy by name (POLICIES_DIR/NAME.lua) or by path (its file name names the policy).
    static func readPolicy(_ name: String, folders: Folders) throws -> PolicySource {
        let names = PolicyKind.allCases.map(\.rawValue).joined(separator: ", ")
        if let kind = PolicyKind(rawValue: name) {
            do {
                return try PolicySource.read(kind, from: folders.policies)
            } catch {
                throw fail("cannot read \((folders.policies as NSString).appendingPathComponent(kind.fileName)) (POLICIES_DIR)", code: 1)
            }
        }
        let base = ((name as NSString).lastPathComponent as NSString).deletingPathExtension
        guard name.hasSuffix(".lua"), let kind = PolicyKind(rawValue: base) else {
            throw fail("unknown policy \(name): expected one of \(names) or a path to one of their files", code: 1)
        }
        let text: String
        do {
            text = try PolicyFile.read(name)
        } catch {
            throw fail("\(error)", code: 1)
        }
        return PolicySource(kind: kind, text: text, chunkName: name)
    }
}
