import com.sun.tools.attach.VirtualMachine;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Prints "allocated_bytes cpu_ns" of a running JVM: the bytes every thread allocated so far (virtual threads'
 * allocations count on their carriers) and the process's CPU time, read over a local JMX connection through the
 * attach API. Run as a source file: {@code java AllocProbe.java <pid>}. Used by edge-cost.sh, which reads it before
 * and after a load window and divides by the requests served.
 *
 * <p>A Helidon server rejects JMX's deserialization unless started with a serial filter that lets
 * {@code javax.management} in (edge-cost.sh passes one); the probe allocates a few kilobytes in the target per call.
 */
public class AllocProbe {
    public static void main(String[] args) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(args[0]);
        String address = vm.startLocalManagementAgent();
        vm.detach();
        try (var connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            long allocated = (Long) server.getAttribute(new ObjectName("java.lang:type=Threading"),
                    "TotalThreadAllocatedBytes");
            long cpu = (Long) server.getAttribute(new ObjectName("java.lang:type=OperatingSystem"), "ProcessCpuTime");
            System.out.println(allocated + " " + cpu);
        }
    }
}
