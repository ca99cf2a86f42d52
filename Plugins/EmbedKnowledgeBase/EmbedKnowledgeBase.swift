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
        return [
            .buildCommand(
                displayName: "Embedding \(inputs.count) rule and runbook files",
                executable: try context.tool(named: "twadvise-embed").url,
                arguments: [output.path, root.path] + inputs.map(\.path),
                inputFiles: inputs,
                outputFiles: [output]
            )
        ]
    }
}
