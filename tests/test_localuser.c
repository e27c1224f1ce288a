#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "localuser.h"
#include "tap.h"

int
main(void)
{
	char path[] = "/tmp/posauth-passwd.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f == NULL)
		return 99;
	fputs("root:x:0:0:root:/root:/bin/bash\n"
	    "kiosk:x:1000:1000::/home/kiosk:/bin/sh\n", f);
	fclose(f);
	ok(pa_user_is_local("root", path), "test_root_is_local");
	ok(pa_user_is_local("kiosk", path), "test_local_user_found");
	ok(!pa_user_is_local("alice", path), "test_staff_name_not_local");
	ok(!pa_user_is_local("roo", path), "test_prefix_is_not_a_match");
	ok(!pa_user_is_local("root", "/nonexistent/passwd"),
	    "test_missing_file_means_not_local");
	unlink(path);
	return tap_done();
}
