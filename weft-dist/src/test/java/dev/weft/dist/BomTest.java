package dev.weft.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * weft-bom/pom.xml manages exactly weft's library modules at its own version, which is the reactor's, and has no
 * parent (an imported BOM hands over its whole dependencyManagement); the README shows it imported.
 */
class BomTest {
    private static final List<String> NOT_LIBRARIES = List.of("weft-service", "weft-bench", "weft-faults",
            "weft-dist", "weft-bom");

    @Test
    void managesEveryLibraryModuleAtTheReactorsVersion() throws Exception {
        Document parent = read(Repository.root().resolve("pom.xml"));
        Document bom = read(Repository.root().resolve("weft-bom/pom.xml"));
        Element bomProject = bom.getDocumentElement();
        assertThat(children(bomProject, "parent")).as("no parent").isEmpty();
        assertThat(text(bomProject, "packaging")).isEqualTo("pom");
        assertThat(text(bomProject, "version")).isEqualTo(text(parent.getDocumentElement(), "version"));

        List<String> libraries = new ArrayList<>();
        for (Element module : children(children(parent.getDocumentElement(), "modules").getFirst(), "module")) {
            if (!NOT_LIBRARIES.contains(module.getTextContent())) {
                libraries.add(module.getTextContent());
            }
        }
        assertThat(libraries).contains("weft-core", "weft-cache", "weft-cache-redis", "weft-db", "weft-http");

        List<String> managed = new ArrayList<>();
        Element management = children(bomProject, "dependencyManagement").getFirst();
        for (Element dependency : children(children(management, "dependencies").getFirst(), "dependency")) {
            assertThat(text(dependency, "groupId")).isEqualTo("dev.weft");
            assertThat(text(dependency, "version")).isEqualTo("${project.version}");
            managed.add(text(dependency, "artifactId"));
        }
        assertThat(managed).containsExactlyInAnyOrderElementsOf(libraries);
    }

    @Test
    void theReadmeShowsItImported() throws Exception {
        String readme = Files.readString(Repository.root().resolve("README.md"));
        assertThat(readme).contains("<artifactId>weft-bom</artifactId>", "<type>pom</type>", "<scope>import</scope>",
                "<artifactId>weft-db</artifactId>", "-DskipTests install");
    }

    private static Document read(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return factory.newDocumentBuilder().parse(pom.toFile());
    }

    private static List<Element> children(Element element, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = element.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(name)) {
                found.add((Element) nodes.item(i));
            }
        }
        return found;
    }

    private static String text(Element element, String name) {
        return children(element, name).getFirst().getTextContent().trim();
    }
}
