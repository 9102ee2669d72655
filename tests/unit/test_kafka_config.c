/* The Kafka source's start-up validation: passthrough properties are checked by librdkafka and
 * named in the error, offsets cannot be auto-stored, secrets come from files and are
 * recognised for redaction. No broker is contacted. */
#include "test_util.h"

#include "kafka_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct kafka_source_conf conf(void)
{
    struct kafka_source_conf c = {.name = "k", .brokers = "127.0.0.1:1", .ntopics = 1};
    c.topics[0] = "metrics";
    return c;
}

static void test_unknown_and_invalid_properties_are_named(void **state)
{
    (void)state;
    char err[512];
    struct kafka_source_conf c = conf();
    c.props[0][0] = "no.such.property";
    c.props[0][1] = "1";
    c.nprops = 1;
    assert_null(kafka_source_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "input k: rdkafka.no.such.property"));
    c.props[0][0] = "session.timeout.ms";
    c.props[0][1] = "soon";
    assert_null(kafka_source_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "rdkafka.session.timeout.ms"));
    c.props[0][0] = "enable.auto.offset.store";
    c.props[0][1] = "true";
    assert_null(kafka_source_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "must stay false"));
    struct kafka_source_conf none = conf();
    none.ntopics = 0;
    assert_null(kafka_source_new(&none, err, sizeof err));
    assert_non_null(strstr(err, "at least one topic"));
}

static void test_secret_values_come_from_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/causalmon-cred.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[600];
    snprintf(path, sizeof path, "%s/pw", dir);
    FILE *f = fopen(path, "w");
    fputs("s3cret\n", f);
    fclose(f);
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    char err[512];
    struct kafka_source_conf c = conf();
    c.props[0][0] = "sasl.password";
    c.props[0][1] = "file:missing";
    c.nprops = 1;
    assert_null(kafka_source_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "cannot read secret file"));
    assert_null(strstr(err, "s3cret"));
    /* a readable secret is accepted (the consumer is created, never connects) */
    c.props[0][1] = "file:pw";
    struct kafka_source *s = kafka_source_new(&c, err, sizeof err);
    assert_non_null(s);
    assert_true(kafka_source_fd(s) >= 0);
    kafka_source_close(s);
    assert_true(kafka_prop_is_secret("sasl.password"));
    assert_true(kafka_prop_is_secret("ssl.key.password"));
    assert_true(kafka_prop_is_secret("sasl.oauthbearer.client.secret"));
    assert_false(kafka_prop_is_secret("session.timeout.ms"));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_and_invalid_properties_are_named),
        cmocka_unit_test(test_secret_values_come_from_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
