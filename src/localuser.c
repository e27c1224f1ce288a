#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "localuser.h"

int
pa_user_is_local(const char *user, const char *passwd_path)
{
	struct passwd *pw;
	FILE *f;
	int found = 0;

	if (user == NULL || (f = fopen(passwd_path, "re")) == NULL)
		return 0;
	while ((pw = fgetpwent(f)) != NULL) {
		if (pw->pw_name != NULL && strcmp(pw->pw_name, user) == 0) {
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}
