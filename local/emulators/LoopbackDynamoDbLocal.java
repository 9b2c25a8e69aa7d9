import java.io.IOException;
import java.lang.reflect.Field;

/**
 * Starts DynamoDB Local bound to one address (127.0.0.1 unless -Dlienthong.host says otherwise), and
 * stops it when its parent goes away.
 *
 * Why: DynamoDB Local's ServerRunner builds a Jetty server with `new Server(port)`, which listens on
 * every interface, and it has no option to change that; it also accepts any credentials. This
 * launcher lets DynamoDB Local parse its own command line, then sets the host of Jetty's connectors
 * before starting it. Run with `java -cp DynamoDBLocal.jar LoopbackDynamoDbLocal.java <its options>`
 * (source-file mode: no javac needed). Everything is reached by reflection, so nothing of
 * DynamoDB Local is needed to compile this file.
 *
 * Node has no parent-death signal, so the parent keeps this process's stdin open: when it
 * closes (the parent exited, even by SIGKILL), this process exits too.
 */
public final class LoopbackDynamoDbLocal {
    private static final String RUNNER = "com.amazonaws.services.dynamodbv2.local.main.ServerRunner";

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // Whatever the parent writes is ignored; only end of input matters.
                }
            } catch (IOException e) {
                // A broken pipe means the same as end of input.
            }
            System.exit(0);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        String host = System.getProperty("lienthong.host", "127.0.0.1");
        Object proxy = Class.forName(RUNNER)
            .getMethod("createServerFromCommandLineArgs", String[].class)
            .invoke(null, (Object) args);
        Field field = proxy.getClass().getDeclaredField("server");
        field.setAccessible(true);
        Object jetty = field.get(proxy);
        Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local's Jetty server has no connector to bind");
        }
        for (Object connector : connectors) {
            connector.getClass().getMethod("setHost", String.class).invoke(connector, host);
        }
        proxy.getClass().getMethod("start").invoke(proxy);
    }
}
