import Foundation
import PackagePlugin

/// Embeds `rules/*.yaml` and `runbooks/*.md` as generated Swift source, so the library (and a `twadvise`
/// binary copied alone to another host) has the built-in knowledge base without any file on disk, while the
/// top-level folders stay the single source.
@main
struct EmbedKnowledgeBase: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var inputs: [URL] = []
        for (folder, suffixes) in [("rules", [".yaml", ".yml"]), ("runbooks", [".md"])] {
            let directory = root.appending(path: folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names.sorted() where suffixes.contains(where: name.hasSuffix) {
                inputs.append(directory.appending(path: name))
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedKnowledgeBase.swift")
        // The generator lists the folders itself when it runs, and the folders are inputs too, so a rule
        // file added or removed is picked up by the next build, not only an edited one.
        let folders = [root.appending(path: "rules"), root.appending(path: "runbooks")]
        // The host fact schema, as text the generator reads (TWAdvise's own declarations are built after it):
        // the rules are type-checked against it here, and a run uses that check while its schema gives this text.
        // A missing file is not an input (SwiftPM would refuse to build): the generator then warns and embeds the
        // rules unchecked, and `swift run twadvise rules facts --format schema > rules/host-facts.schema` works.
        let schema = root.appending(path: "rules/host-facts.schema")
        let schemaInputs = FileManager.default.fileExists(atPath: schema.path) ? [schema] : []
        return [
            .buildCommand(
                displayName: "Embedding rules/ and runbooks/",
                executable: try context.tool(named: "twadvise-embed").url,
                arguments: [output.path, root.path, "--schema", schema.path] + folders.map(\.path),
                inputFiles: folders + inputs + schemaInputs,
                outputFiles: [output]
            )
        ]
    }
}
