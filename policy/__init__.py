"""The CrossGuard policy pack for stacks that declare PersonalDataRemoval resources."""
