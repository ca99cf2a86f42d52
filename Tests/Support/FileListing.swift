import Foundation

/// The package's own folders, for tests that compare what was embedded with what is on disk.
public enum FileListing {
    public static var sourceTreePresent: Bool {
        FileManager.default.fileExists(atPath: PeerFixtures.packageRoot + "/rules")
    }

    public static func names(in folder: String, suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: PeerFixtures.packageRoot + "/" + folder).filter { $0.hasSuffix(suffix) }.sorted()
    }
}
