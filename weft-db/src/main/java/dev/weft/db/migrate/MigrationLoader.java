package dev.weft.db.migrate;

import dev.weft.core.ErrorKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/** Reads migration files from folders and jars, and orders migrations. */
final class MigrationLoader {
    private MigrationLoader() {
    }

    static List<Migration> fromDirectory(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw Migration.invalid(null, "migration folder " + folder + " does not exist or is not a folder");
        }
        List<Migration> migrations = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.sorted().toList()) {
                String fileName = file.getFileName().toString();
                if (Files.isRegularFile(file) && MigrationFiles.isMigrationFile(fileName)) {
                    migrations.add(MigrationFiles.parse(fileName, Files.readString(file, StandardCharsets.UTF_8),
                            file.toString()));
                }
            }
        } catch (IOException e) {
            throw new MigrationException(ErrorKind.INVALID_INPUT, "invalid_migration", null,
                    "cannot read migration folder " + folder + ": " + e.getClass().getSimpleName(), e);
        }
        return ordered(migrations);
    }

    static List<Migration> fromClasspath(String folder, ClassLoader loader) {
        String resource = folder.replaceAll("^/+|/+$", "");
        List<Migration> migrations = new ArrayList<>();
        boolean found = false;
        try {
            Enumeration<URL> roots = loader.getResources(resource);
            while (roots.hasMoreElements()) {
                URL root = roots.nextElement();
                found = true;
                switch (root.getProtocol()) {
                    case "file" -> migrations.addAll(fromDirectory(Path.of(root.toURI())));
                    case "jar" -> migrations.addAll(fromJar(root, resource));
                    default -> throw Migration.invalid(null, "cannot list migration folder " + root
                            + ": only folders on the file system and in jars can be listed");
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new MigrationException(ErrorKind.INVALID_INPUT, "invalid_migration", null,
                    "cannot read classpath migration folder " + resource + ": " + e.getClass().getSimpleName(), e);
        }
        if (!found) {
            throw Migration.invalid(null, "no migration folder '" + Migration.printable(resource)
                    + "' on the class path");
        }
        return ordered(migrations);
    }

    private static List<Migration> fromJar(URL root, String resource) throws IOException {
        URLConnection connection = root.openConnection();
        if (!(connection instanceof JarURLConnection jarConnection)) {
            throw Migration.invalid(null, "cannot list migration folder " + root);
        }
        // no cache: a shared cached JarFile would be closed under other users by the try-with-resources below
        jarConnection.setUseCaches(false);
        List<Migration> migrations = new ArrayList<>();
        String prefix = resource + "/";
        try (JarFile jar = jarConnection.getJarFile()) {
            List<JarEntry> entries = jar.stream()
                    .filter(entry -> !entry.isDirectory() && entry.getName().startsWith(prefix)
                            && entry.getName().indexOf('/', prefix.length()) < 0)
                    .sorted(java.util.Comparator.comparing(JarEntry::getName))
                    .toList();
            for (JarEntry entry : entries) {
                String fileName = entry.getName().substring(prefix.length());
                if (MigrationFiles.isMigrationFile(fileName)) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        migrations.add(MigrationFiles.parse(fileName,
                                new String(in.readAllBytes(), StandardCharsets.UTF_8), root + "/" + fileName));
                    }
                }
            }
        }
        return migrations;
    }

    /** @return the migrations ordered by version; two with the same version are an error */
    static List<Migration> ordered(List<Migration> migrations) {
        List<Migration> sorted = new ArrayList<>(migrations);
        sorted.sort((a, b) -> Versions.compare(a.version(), b.version()));
        for (int i = 1; i < sorted.size(); i++) {
            Migration previous = sorted.get(i - 1);
            Migration next = sorted.get(i);
            if (Versions.compare(previous.version(), next.version()) == 0) {
                throw new MigrationException(ErrorKind.INVALID_INPUT, "duplicate_migration_version", next.version(),
                        "migrations " + previous.fileName() + " and " + next.fileName()
                                + " have the same version; give one of them a new version", null);
            }
        }
        return List.copyOf(sorted);
    }
}
